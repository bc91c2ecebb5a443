import NIOCore
import NimbusCore
import Testing

@testable import NimbusMODE

@Suite("MODE's event PUT below the router: what it takes and what it leaves to the router")
struct ModeEventEarlyRouteTests {
    @Test("the exact path with plain digits; anything else goes to the router")
    func paths() {
        #expect(ModeEventEarlyRoute.deviceId(in: "/mode/devices/42/event") == 42)
        for path in ["/mode/devices//event", "/mode/devices/event", "/mode/devices/4x/event", "/mode/devices/+4/event",
                     "/mode/devices/42/event?authToken=t", "/mode/devices/42/events", "/mode/homes/42/event",
                     "/mode/devices/1234567890123456789/event", nil] {
            #expect(ModeEventEarlyRoute.deviceId(in: path) == nil, "\(path ?? "nil")")
        }
    }

    @Test("a JSON object with a string eventType and object or absent eventData; anything else goes to the router")
    func bodies() throws {
        let taken = try #require(ModeEventEarlyRoute.event(in: ByteBuffer(string: #"{"eventType":"t","eventData":{"v":1},"x":2}"#), contentType: "application/json"))
        #expect(taken.type == "t" && taken.data == ["v": .number(1)])
        #expect(ModeEventEarlyRoute.event(in: ByteBuffer(string: #"{"eventType":"t"}"#), contentType: nil)?.data == [:])
        #expect(ModeEventEarlyRoute.event(in: ByteBuffer(string: #"{"eventType":"t","eventData":null}"#), contentType: nil)?.data == [:])
        let declined = [
            #"{"eventType":7}"#, #"{"eventData":{}}"#, #"{"eventType":"t","eventData":"{}"}"#, #"{"eventType":"t","eventData":[1]}"#,
            #" {"eventType":"t"}"#, #"["eventType"]"#, "eventType=t", #"{"eventType":"t""#, "",
        ]
        for body in declined {
            #expect(ModeEventEarlyRoute.event(in: ByteBuffer(string: body), contentType: "application/json") == nil, "\(body)")
        }
        #expect(ModeEventEarlyRoute.event(in: ByteBuffer(string: #"{"eventType":"t"}"#), contentType: "application/x-www-form-urlencoded") == nil)
    }
}
