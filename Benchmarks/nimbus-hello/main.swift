import Hummingbird

/// The baseline of the event-ingest benchmark: Hummingbird's hello world on `--port N`, built and run
/// the same way as Nimbus so that the two numbers measure the same machine.
let arguments = CommandLine.arguments
let port = arguments.firstIndex(of: "--port").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? 8081
let router = Router()
router.get("/") { _, _ in "Hello" }
router.put("/") { _, _ in HTTPResponse.Status.noContent }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
