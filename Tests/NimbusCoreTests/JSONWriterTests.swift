import Foundation
import Testing

@testable import NimbusCore

/// `JSONValue.jsonText` is what stored event data, key-value values and webhook bodies are made of: it must
/// stay byte for byte what `JSONEncoder` (sorted keys, unescaped slashes) wrote before `JSONWriter` replaced it.
@Suite("JSON text: the same bytes as JSONEncoder")
struct JSONWriterTests {
    private static func encoderText(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let strings: [String] = [
        "", "plain", "a/b", "quote \" and \\ backslash", "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}", "\u{7f}",
        "\u{2028}\u{2029}", "é", "e\u{301}", "日本語", "😀 emoji", "</script>", "tab\there",
    ]

    static let numbers: [Double] = [
        0, -0.0, 1, -1, 12, 42.5, 0.1, 0.30000000000000004, 1e20, -1e20, 1e300, 1.5e-7, .leastNonzeroMagnitude, 123456789.123,
        9_007_199_254_740_991, 9_007_199_254_740_992, 9_007_199_254_740_994, -9_007_199_254_740_992, 2.5e15 + 0.5,
        .greatestFiniteMagnitude, -.leastNonzeroMagnitude,
    ]

    @Test("strings with every escape, non-ASCII and slashes", arguments: strings)
    func string(_ text: String) throws {
        #expect(JSONValue.string(text).jsonText == (try Self.encoderText(.string(text))))
    }

    @Test("numbers: whole, fractional, huge, tiny, negative zero", arguments: numbers)
    func number(_ value: Double) throws {
        #expect(JSONValue.number(value).jsonText == (try Self.encoderText(.number(value))))
        #expect(JSONValue.array([.number(value)]).jsonText == (try Self.encoderText(.array([.number(value)]))))
    }

    @Test("objects: keys sorted by their UTF-8 bytes, nested values, empty containers")
    func objects() throws {
        var keys = Self.strings
        keys += ["a10", "a2", "B", "a", "b", "_", "Z", "1", "01", "Å", "A\u{30a}b", "\u{212b}c", "f"]
        let object = JSONValue.object(Dictionary(keys.enumerated().map { ($1, JSONValue.number(Double($0))) }, uniquingKeysWith: { a, _ in a }))
        let nested = JSONValue.object([
            "data": object, "list": .array([.null, .bool(true), .bool(false), .string("x"), .array([]), .object([:])]),
            "value": .number(42), "empty": .object([:]),
        ])
        for value in [object, nested, .array([nested, object]), .null, .bool(true)] {
            #expect(value.jsonText == (try Self.encoderText(value)))
        }
    }

    @Test("the text parses back to the same value")
    func roundTrip() {
        let value = JSONValue.object(["s": .string("a\"b\\c\u{1}"), "n": .array([.number(1), .number(0.5), .null]), "t": .bool(true)])
        #expect(JSONValue(jsonText: value.jsonText) == value)
    }

    @Test("NaN and infinity, which JSON cannot hold, are written as null")
    func nonFinite() {
        #expect(JSONValue.array([.number(.nan), .number(.infinity)]).jsonText == "[null,null]")
    }
}
