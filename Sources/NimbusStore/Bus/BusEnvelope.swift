import Foundation
import NimbusCore

/// What one bus notification carries between nodes: the sending node and its messages, in the order published. Each
/// item is encoded once, when published, and notifications are packed from the encoded items (`pack`), so a batch is
/// cut to the payload limit without encoding anything twice.
///
/// The encoding is Swift's synthesized JSON of the core's types: every node of a fleet runs the same version of
/// Nimbus (`docs/scale-out.md`), and an item a node cannot decode is skipped.
struct BusEnvelope: Codable {
    enum Item: Codable {
        case message(topic: BusTopic, message: BusMessage)
        /// A message too large for a notification, in `bus_spills`.
        case spill(Int)
    }

    let node: String
    let items: [Item]

    static func encode(_ item: Item) -> String? {
        (try? JSONEncoder().encode(item)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func decode(_ payload: String) -> BusEnvelope? {
        try? JSONDecoder().decode(BusEnvelope.self, from: Data(payload.utf8))
    }

    static func decodeItem(_ text: String) -> Item? {
        try? JSONDecoder().decode(Item.self, from: Data(text.utf8))
    }

    /// The payloads that carry `items` (encoded items), each at most `limit` bytes; an item that would not fit in one
    /// on its own is handed to `spill`, which stores it and returns its id.
    static func pack(
        _ items: [String], node: String, limit: Int, spill: (String) async throws -> Int
    ) async throws -> [String] {
        let head = #"{"node":""# + node + #"","items":["#, tail = "]}"
        let room = limit - head.utf8.count - tail.utf8.count
        var payloads: [String] = []
        var current: [String] = []
        var size = 0
        for var item in items {
            if item.utf8.count > room, let spilled = encode(.spill(try await spill(item))) { item = spilled }
            if !current.isEmpty, size + 1 + item.utf8.count > room {
                payloads.append(head + current.joined(separator: ",") + tail)
                current = []
                size = 0
            }
            size += (current.isEmpty ? 0 : 1) + item.utf8.count
            current.append(item)
        }
        if !current.isEmpty { payloads.append(head + current.joined(separator: ",") + tail) }
        return payloads
    }
}
