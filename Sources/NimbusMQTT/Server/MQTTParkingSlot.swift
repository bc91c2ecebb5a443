import Synchronization

/// Holds a value between the tasks that take turns with it: a connection's state between two drains.
final class MQTTParkingSlot<Value: Sendable>: Sendable {
    private let slot: Mutex<Value?>

    init(_ value: Value) {
        slot = Mutex(value)
    }

    /// The value, leaving the slot empty until `put`.
    func take() -> Value? {
        slot.withLock { $0.take() }
    }

    func put(_ value: Value) {
        slot.withLock { $0 = value }
    }
}
