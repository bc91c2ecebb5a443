import Foundation
import Testing

@testable import NimbusCore

@Suite("JSON parser")
struct JSONParserTests {
    /// Valid documents read the same as through Foundation's JSONDecoder (the parser this one replaced).
    @Test(
        "valid JSON reads as Foundation reads it",
        arguments: [
            #"{"eventType":"motion","eventData":{"n":1,"on":true,"off":false,"none":null}}"#,
            #"  [1, -2.5, 3e2, 0.25E-3, -0, 10000000000000000]  "#,
            #""plain""#, "42", "true", "null",
            #"{"esc":"a\"b\\c\/d\b\f\n\r\t","uni":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀"}"#,
            #"{"nested":[[[{"a":[]}]]],"empty":{},"dup":1,"dup":2}"#,
        ])
    func matchesFoundation(_ text: String) throws {
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(JSONValue(jsonText: text) == foundation)
    }

    @Test(
        "anything that is not JSON is refused",
        arguments: [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "01", "1.", ".5", "+1", "1e", "--1", "1e400",
            "tru", "nul", "True", "[1] x", "{\"a\" 1}", "\"open", "\"ctl\u{01}\"", "\"\\x\"", "\"\\u12\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "// comment\n1", "NaN", "[1 2]",
        ])
    func refuses(_ text: String) {
        #expect(JSONValue(jsonText: text) == nil, "\(text.debugDescription) was read")
    }

    @Test("nesting deeper than the limit is refused, not a crash")
    func depth() {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(JSONValue(jsonText: deep) != nil)
        let deeper = "[" + deep + "]"
        #expect(JSONValue(jsonText: deeper) == nil)
        #expect(JSONValue(jsonText: String(repeating: "[", count: 100_000)) == nil)
    }
}
