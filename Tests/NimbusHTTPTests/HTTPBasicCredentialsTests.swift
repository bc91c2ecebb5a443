import NimbusHTTP
import Testing

@Suite("HTTP Basic credentials")
struct HTTPBasicCredentialsTests {
    @Test("base64 user:password, a colon in the password kept, other schemes and no field are nil")
    func parses() throws {
        #expect(try HTTPBasicCredentials.parse("Basic dXNlcjpwYTpzcw==") == HTTPBasicCredentials(user: "user", password: "pa:ss"))
        #expect(try HTTPBasicCredentials.parse("basic   dXNlcjpwYTpzcw==  ") == HTTPBasicCredentials(user: "user", password: "pa:ss"))
        #expect(try HTTPBasicCredentials.parse("Bearer abc") == nil)
        #expect(try HTTPBasicCredentials.parse(nil) == nil)
    }

    @Test("plain user:password only where allowed; no colon is malformed")
    func plain() throws {
        #expect(try HTTPBasicCredentials.parse("Basic user:secret", allowPlain: true) == HTTPBasicCredentials(user: "user", password: "secret"))
        #expect(throws: HTTPBasicCredentials.Malformed.self) { try HTTPBasicCredentials.parse("Basic user:secret") }
        #expect(throws: HTTPBasicCredentials.Malformed.self) { try HTTPBasicCredentials.parse("Basic bm9jb2xvbg==") }
    }
}
