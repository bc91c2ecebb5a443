import Foundation
import Synchronization

/// Values decoded from JSON text, kept by the text itself: a column that is read far more often than written (a
/// rule's definition, read by every batch of readings its things send) is decoded once per distinct text, not once
/// per read. Keyed by content, so it is never stale, whichever process wrote the row. Bounded: past `limit` texts it
/// starts again empty.
final class JSONTextCache<Value: Decodable & Sendable>: Sendable {
    private let values = Mutex<[String: Value]>([:])
    private let limit: Int

    init(limit: Int = 65_536) {
        self.limit = limit
    }

    func decode(_ text: String) throws -> Value {
        if let known = values.withLock({ $0[text] }) { return known }
        let value = try JSONText.decode(text, as: Value.self)
        values.withLock { values in
            if values.count >= limit { values.removeAll(keepingCapacity: true) }
            values[text] = value
        }
        return value
    }
}
