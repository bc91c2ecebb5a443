import Testing

@testable import NimbusCore

@Suite("Secrets: hashing at rest and comparison")
struct SecretsTests {
    @Test("a secret's hash is the lower-case hex SHA-256 that existing rows were stored with")
    func sha256Hex() {
        // Known answers (FIPS 180-2): the stored hashes of earlier releases must keep matching.
        #expect(Secrets.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("hex digits of every byte value, two per byte, lower case")
    func hexDigits() {
        #expect([UInt8]([0x00, 0x0f, 0xa0, 0xff]).hexString == "000fa0ff")
        let all = (0...255).map { UInt8($0) }.hexString
        #expect(all.count == 512)
        #expect(all.hasPrefix("000102") && all.hasSuffix("fdfeff"))
    }

    @Test("a secret matches its own hash only")
    func matching() {
        #expect(Secrets.matches("v1.d.secret", hash: Secrets.hash("v1.d.secret")))
        #expect(!Secrets.matches("v1.d.secreT", hash: Secrets.hash("v1.d.secret")))
        #expect(!Secrets.constantTimeEquals("abc", "abcd"))
    }
}

@Suite("Secrets: passwords")
struct PasswordSecretsTests {
    @Test("a password verifies against its bcrypt hash, another one does not")
    func bcrypt() async {
        let hash = await Secrets.hashPassword("correct horse")
        #expect(hash.hasPrefix("$2b$10$") || hash.hasPrefix("$2a$10$") || hash.hasPrefix("$2y$10$"))
        #expect(await Secrets.verifyPassword("correct horse", hash: hash))
        #expect(!(await Secrets.verifyPassword("correct horsE", hash: hash)))
        #expect(!(await Secrets.verifyPassword("correct horse", hash: Secrets.decoyPasswordHash)))
    }

    @Test("bcrypt runs on the password threads, not on the cooperative pool")
    func passwordThreads() async {
        #expect(await Secrets.onPasswordThreads { ThreadExecutorTests.currentThreadName() } == "nimbus-bcrypt")
    }
}
