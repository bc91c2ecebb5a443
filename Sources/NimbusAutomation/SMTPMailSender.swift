import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NimbusCore

/// Sends email over SMTP (RFC 5321): `smtp://[user:password@]host:port` upgrades to TLS with
/// STARTTLS when the server offers it, `smtps://` speaks TLS from the start; AUTH PLAIN is used when
/// credentials are given, and only over TLS unless the server is on loopback. Certificates are
/// checked against the system's roots plus, if given, a PEM file of extra CAs (a private relay's).
/// One connection per message keeps the client simple; the outbox retries.
public struct SMTPMailSender: MailSender {
    let host: String
    let port: Int
    let implicitTLS: Bool
    let tlsContext: NIOSSLContext
    /// SNI and certificate name; `nil` for an IP address, which NIOSSL checks against the peer address.
    let tlsServerName: String?
    let username: String?
    let password: String?
    let from: String
    let heloName: String

    public init(url: String, from: String, trustedCAFile: String? = nil) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["smtp", "smtps"].contains(scheme),
            let host = components.host
        else { throw DeliveryError("the SMTP URL must look like smtp://[user:password@]host:port") }
        self.host = host
        self.implicitTLS = scheme == "smtps"
        self.port = components.port ?? (implicitTLS ? 465 : 25)
        self.username = components.user?.removingPercentEncoding
        self.password = components.password?.removingPercentEncoding
        self.from = from
        self.heloName = "nimbus.localhost"
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustedCAFile { tls.additionalTrustRoots = [.file(trustedCAFile)] }
        self.tlsContext = try NIOSSLContext(configuration: tls)
        self.tlsServerName = Self.isIPAddress(host) ? nil : host
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    public func send(_ message: EmailMessage) async throws {
        let (host, implicitTLS, tlsContext, tlsServerName) = (self.host, self.implicitTLS, self.tlsContext, self.tlsServerName)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: tlsServerName))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw DeliveryError("SMTP conversation timed out")
            }
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var conversation = SMTPConversation(lines: inbound.makeAsyncIterator(), outbound: outbound)
                    try await self.converse(&conversation, channel: channel.channel, message: message)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func converse(_ smtp: inout SMTPConversation, channel: any Channel, message: EmailMessage) async throws {
        try await smtp.expect(220)
        var capabilities = try await smtp.command("EHLO \(heloName)", expect: 250)
        var encrypted = implicitTLS
        if !implicitTLS, capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) {
            _ = try await smtp.command("STARTTLS", expect: 220)
            // TLS goes in front of the line decoder; the server says nothing until the handshake.
            let (tlsContext, tlsServerName) = (self.tlsContext, self.tlsServerName)
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    try NIOSSLClientHandler(context: tlsContext, serverHostname: tlsServerName), position: .first)
            }.get()
            capabilities = try await smtp.command("EHLO \(heloName)", expect: 250)
            encrypted = true
        }
        if let username, let password {
            guard encrypted || Self.isLoopback(host) else {
                throw DeliveryError("the SMTP server offers no STARTTLS; credentials are only sent over TLS (or to loopback)")
            }
            let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            _ = try await smtp.command("AUTH PLAIN \(token)", expect: 235)
        }
        _ = try await smtp.command("MAIL FROM:<\(Self.address(from))>", expect: 250)
        _ = try await smtp.command("RCPT TO:<\(Self.address(message.to))>", expect: 250, 251)
        _ = try await smtp.command("DATA", expect: 354)
        _ = try await smtp.command(Self.render(message, from: from) + "\r\n.", expect: 250)
        _ = try? await smtp.command("QUIT", expect: 221)
    }

    /// The bare address of `Name <address>`, with characters that could break the command removed.
    public static func address(_ text: String) -> String {
        var address = text
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            address = String(text[text.index(after: open)..<close])
        }
        return String(String.UnicodeScalarView(address.unicodeScalars.filter { !"\r\n<> ".unicodeScalars.contains($0) }))
    }

    /// The message with its headers, CRLF line ends and dot-stuffing (RFC 5321 §4.5.2).
    public static func render(_ message: EmailMessage, from: String) -> String {
        let date = Date().formatted(Date.VerbatimFormatStyle(
            format: "\(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .defaultDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) +0000",
            locale: Locale(identifier: "en_US_POSIX"), timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
        let headers = [
            "From: \(headerValue(from))", "To: \(headerValue(message.to))", "Subject: \(headerValue(message.subject))", "Date: \(date)",
            "Message-ID: <\(UUID().uuidString)@nimbus>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = lines(of: message.body).map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return (headers + [""] + body).joined(separator: "\r\n")
    }

    /// A header value with every control character but tab removed, so that user data (a home name in a
    /// subject) can neither end the header nor start another one (header injection).
    static func headerValue(_ text: String) -> String {
        // By scalar, not by Character: "\r\n" is one Character and would slip past a Character filter.
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 == "\t" || $0.properties.generalCategory != .control }))
    }

    /// The lines of a body, split at CRLF, a bare CR or a bare LF alike. RFC 5321 §2.3.8 allows CR and LF only
    /// together; a bare one passed on would let text such as `\r.\r\nMAIL FROM:` end the DATA early at servers
    /// that read a bare CR or LF as a line end (SMTP smuggling). Rejoined with CRLF, each is a line of its own.
    static func lines(of body: String) -> [String] {
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var scalars = body.unicodeScalars.makeIterator()
        var next = scalars.next()
        while let scalar = next {
            next = scalars.next()
            switch scalar {
            case "\r":
                if next == "\n" { next = scalars.next() }
                fallthrough
            case "\n":
                lines.append(String(line))
                line = String.UnicodeScalarView()
            default:
                line.append(scalar)
            }
        }
        lines.append(String(line))
        return lines
    }
}

/// One SMTP exchange: send a command, read the (possibly multi-line) reply, check its code.
struct SMTPConversation {
    var lines: NIOAsyncChannelInboundStream<String>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Sends `line` and returns the reply's text lines if its code is one of `codes`.
    mutating func command(_ line: String, expect codes: Int...) async throws -> [String] {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await expect(codes)
    }

    @discardableResult
    mutating func expect(_ codes: Int...) async throws -> [String] {
        try await expect(codes)
    }

    private mutating func expect(_ codes: [Int]) async throws -> [String] {
        var texts: [String] = []
        while true {
            guard let line = try await lines.next() else { throw DeliveryError("SMTP server closed the connection") }
            guard line.count >= 3, let code = Int(line.prefix(3)) else { throw DeliveryError("malformed SMTP reply") }
            texts.append(String(line.dropFirst(4)))
            let continues = line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-"
            if continues { continue }
            guard codes.contains(code) else { throw DeliveryError("SMTP server answered \(code) \(texts.last ?? "")") }
            return texts
        }
    }
}
