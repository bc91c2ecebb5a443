import Foundation
import Testing

@testable import NimbusStore

@Suite("JSON text cache")
struct JSONTextCacheTests {
    @Test("a text decodes to the same value from the cache; a bad text is refused and not kept; the cache stays bounded")
    func cache() throws {
        let cache = JSONTextCache<[Int]>(limit: 2)
        #expect(try cache.decode("[1,2]") == [1, 2])
        #expect(try cache.decode("[1,2]") == [1, 2])
        #expect(throws: StoreError.self) { try cache.decode("[1,") }
        for n in 0..<10 { #expect(try cache.decode("[\(n)]") == [n], "past its limit it starts again and still decodes") }
    }
}
