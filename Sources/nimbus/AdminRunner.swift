import ArgumentParser
import Foundation
import Logging
import NimbusCore
import NimbusServer

/// Runs one admin use case against the configured store, as the `system` principal, and prints its
/// result as one JSON document. The core is the server's (`NimbusAssembly`), not started: the admin
/// commands run beside a serving process and must not reset its state.
struct AdminRunner {
    let options: StoreOptions

    func run(_ body: @Sendable (AdminUseCases) async throws -> [String: JSONValue]) async throws {
        let configuration = try options.resolve()
        var logger = Logger(label: "nimbus.admin")
        logger.logLevel = .warning
        let assembly = try await NimbusAssembly.assemble(configuration, logger: logger)
        do {
            let output = try await body(assembly.nimbus.admin)
            try await assembly.close()
            print(JSONValue.object(output).jsonText)
        } catch {
            try? await assembly.close()
            FileHandle.standardError.write(Data((JSONValue.object(["error": .string("\(error)")]).jsonText + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
