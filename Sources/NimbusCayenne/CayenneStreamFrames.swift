import Foundation
import NimbusCore

/// The frames of Cayenne's live stream: Engine.IO v3 packets carrying socket.io v2 packets, over a WebSocket
/// (`cayenne-clients.md` §6). What the clients need of the two protocols, and nothing else:
/// - the server opens with `0{sid, upgrades: [], pingInterval, pingTimeout}` and `40` (connected to `/`);
/// - a client's ping `2` is answered `3` (`2probe` → `3probe`), a namespace connect `40/ns,` with the same packet;
/// - the server's events are `42["name", payload]`; everything else a client sends is read and ignored.
/// The sample app parses from the first `[` of a frame, so the `42` prefix suits it as well as socket.io.
enum CayenneStreamFrames {
    /// How often socket.io clients ping, and how long they wait for the answer (milliseconds, announced).
    static let pingInterval = 25_000
    static let pingTimeout = 60_000

    static func greeting(sessionId: String) -> [String] {
        let open = JSONValue.object([
            "sid": .string(sessionId), "upgrades": .array([]),
            "pingInterval": .number(Double(pingInterval)), "pingTimeout": .number(Double(pingTimeout)),
        ])
        return ["0" + open.jsonText, "40"]
    }

    /// The reply to a frame from the client, if it needs one.
    static func answer(_ frame: String) -> String? {
        if frame.hasPrefix("2") { return "3" + frame.dropFirst() }  // ping, with its optional probe text
        if frame.hasPrefix("40/") { return String(frame.prefix { $0 != "?" && $0 != "," }) + "," }
        return nil
    }

    static func event(_ name: String, _ payload: JSONValue) -> String {
        "42" + JSONValue.array([.string(name), payload]).jsonText
    }
}
