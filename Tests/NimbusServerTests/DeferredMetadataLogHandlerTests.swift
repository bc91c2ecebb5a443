import Logging
import NimbusServer
import Synchronization
import Testing

/// Collects what a log handler writes.
private final class Lines: TextOutputStream, Sendable {
    private let text = Mutex("")
    func write(_ string: String) { text.withLock { $0 += string } }
    var written: String { text.withLock { $0 } }
}

@Suite("Deferred-metadata log handler")
struct DeferredMetadataLogHandlerTests {
    /// The line without its timestamp (the first word), which differs between two handlers' calls.
    private func withoutTimestamp(_ line: String) -> Substring {
        line.drop { $0 != " " }
    }

    private func log(through make: (Lines) -> any LogHandler) -> String {
        let lines = Lines()
        var logger = Logger(label: "nimbus.test") { _ in make(lines) }
        logger.logLevel = .info
        logger[metadataKey: "hb.request.id"] = "42"
        logger[metadataKey: "a"] = "first"
        logger[metadataKey: "a"] = "second"
        logger.debug("below the level")
        logger.info("request served", metadata: ["http.status": "204"])
        logger[metadataKey: "hb.request.id"] = nil
        logger.warning("after removing a key")
        return lines.written
    }

    @Test("writes what StreamLogHandler writes, metadata set on the logger included")
    func sameLines() {
        let deferred = log { DeferredMetadataLogHandler(stream: StreamLogHandler(label: "nimbus.test", stream: $0, metadataProvider: nil)) }
        let stream = log { StreamLogHandler(label: "nimbus.test", stream: $0, metadataProvider: nil) }
        let deferredLines = deferred.split(separator: "\n").map { withoutTimestamp(String($0)) }
        #expect(deferredLines == stream.split(separator: "\n").map { withoutTimestamp(String($0)) })
        #expect(deferredLines.count == 2)
        #expect(deferredLines.first?.contains("a=second hb.request.id=42 http.status=204") == true)
        #expect(deferredLines.last?.contains("hb.request.id") == false)
    }

    @Test("the level is the stream's: lines below it are not written")
    func level() {
        let lines = Lines()
        var handler = DeferredMetadataLogHandler(stream: StreamLogHandler(label: "x", stream: lines, metadataProvider: nil))
        handler.logLevel = .error
        #expect(handler.logLevel == .error)
        let logger = Logger(label: "x") { _ in handler }
        logger.warning("quiet")
        logger.error("loud")
        #expect(!lines.written.contains("quiet"))
        #expect(lines.written.contains("loud"))
    }
}
