import NimbusAutomation
import NimbusCore
import Testing

@Suite("Senders")
struct SenderTests {
    @Test("the webhook signature is MODE's: hex HMAC-SHA256 of URL + body")
    func webhookSignature() {
        // Computed independently with Python's hmac module.
        #expect(WebhookSender.signature(url: "http://example.com/hook", body: #"{"a":1}"#, key: "k3y")
            == "605d1b2dca229c7e2aa2b97b36c339c8d0e2b63a55b9ca2aedc0ee76fc01fdf7")
    }

    @Test("emails are dot-stuffed with CRLF line ends, and headers cannot be injected")
    func emailRendering() {
        let text = SMTPMailSender.render(
            EmailMessage(to: "a@b.co\r\nBcc: evil@x.io", subject: "Hi\nthere", body: "line one\n.hidden\nend"), from: "Nimbus <n@x.io>")
        #expect(text.contains("To: a@b.coBcc: evil@x.io\r\n"), "CR and LF are removed from header values")
        #expect(text.contains("Subject: Hithere\r\n"))
        #expect(text.hasSuffix("\r\n\r\nline one\r\n..hidden\r\nend"))
        #expect(!text.contains("\n\n"))
        #expect(SMTPMailSender.address("Nimbus <n@x.io>") == "n@x.io")
        let smuggled = SMTPMailSender.address("x@y.z>\r\nRCPT TO:<evil@x.io")
        #expect(!smuggled.unicodeScalars.contains { "\r\n <>".unicodeScalars.contains($0) }, "no second command can be smuggled in")
    }

    @Test("a bare CR or LF in a body becomes CRLF and every line is dot-stuffed, so DATA cannot end early (SMTP smuggling)")
    func bodyLineEnds() {
        let smuggled = "Home\r.\r\nMAIL FROM:<evil@x>\r\nnext\n.\nRCPT TO:<evil@x>\r.\rend\u{0}"
        let text = SMTPMailSender.render(
            EmailMessage(to: "a@b.co\u{0}\u{7f}", subject: "You were added to \(smuggled)", body: "Home \"\(smuggled)\"\n"), from: "n@x.io")
        let body = text.firstRange(of: "\r\n\r\n").map { String(text[$0.upperBound...]) }
        #expect(body == "Home \"Home\r\n..\r\nMAIL FROM:<evil@x>\r\nnext\r\n..\r\nRCPT TO:<evil@x>\r\n..\r\nend\u{0}\"\r\n")
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte == 13 { #expect(index + 1 < bytes.count && bytes[index + 1] == 10, "a CR at \(index) without LF") }
            if byte == 10 { #expect(index > 0 && bytes[index - 1] == 13, "an LF at \(index) without CR") }
        }
        #expect(!text.contains("\r\n.\r\n"), "no line is a lone dot")
        #expect(text.contains("To: a@b.co\r\n"), "control characters are removed from headers")
        #expect(text.contains("Subject: You were added to Home.MAIL FROM:<evil@x>next.RCPT TO:<evil@x>.end\r\n"))
    }

    @Test("SMS gateway URLs must be http(s); form values are percent-encoded")
    func smsGateway() throws {
        #expect(throws: DeliveryError.self) { try HTTPSMSSender(url: "ftp://x", from: "N") }
        _ = try HTTPSMSSender(url: "http://user:pa%40ss@127.0.0.1:9/send", from: "N")
        #expect(HTTPSMSSender.formEncode("+1 555&x=y") == "%2B1%20555%26x%3Dy")
    }
}
