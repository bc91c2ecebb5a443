import NimbusCayenne
import NimbusCore
import NimbusHTTP
import NimbusMODE
import Testing

/// The public URL is trimmed once, and the links, the dialect bases and the issuer all come from it.
@Suite("Public URL")
struct PublicURLTests {
    @Test("trailing slashes go, once, whatever the setting says", arguments: ["https://iot.example.com", "https://iot.example.com/", "https://iot.example.com//"])
    func trimmed(text: String) {
        let url = PublicURL(text)
        #expect(url.base == "https://iot.example.com")
        #expect(url.isHTTPS)
        #expect(url.dialectBase(ModeDialect.pathPrefix) == "https://iot.example.com/mode")
        #expect(url.url("/.well-known/jwks.json") == "https://iot.example.com/.well-known/jwks.json")
        #expect(CayenneDialect.issuer(of: url) == "https://iot.example.com/cayenne")
    }

    @Test("MODE's email links are built on the same base")
    func links() {
        let links = ModeDialect.accountLinks(publicURL: PublicURL("http://127.0.0.1:8080/"))
        #expect(links.emailVerification("T") == "http://127.0.0.1:8080/mode/auth/user/emailVerification?token=T")
        #expect(links.passwordReset("T") == "http://127.0.0.1:8080/mode/auth/user/passwordReset?token=T")
        #expect(!PublicURL("http://127.0.0.1:8080").isHTTPS)
    }
}
