import Logging

/// Writes the same lines as swift-log's `StreamLogHandler`, but renders a logger's metadata only when a line is
/// written.
///
/// `StreamLogHandler` turns its whole metadata into text each time a key is set. Hummingbird sets the request id
/// on the logger of every request, so every request paid for a rendering that, at the usual `info` level, no line
/// ever used (1.5 % of the server's CPU under event ingest, more than the metrics middleware). Here setting a key
/// only stores it; the rendering happens in `log(event:)`, once per written line.
public struct DeferredMetadataLogHandler: LogHandler {
    /// Writes the lines; its own metadata stays empty until a line is written.
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    /// A handler writing to standard error, as `nimbus serve` logs.
    public static func standardError(label: String) -> DeferredMetadataLogHandler {
        DeferredMetadataLogHandler(stream: .standardError(label: label))
    }

    /// - Parameter stream: the handler that formats and writes each line (its level and metadata provider are used).
    public init(stream: StreamLogHandler) {
        self.stream = stream
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var stream = stream
        stream.metadata = metadata
        stream.log(event: event)
    }
}
