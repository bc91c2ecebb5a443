extension BusMessage {
    /// About how many bytes the message takes while it waits in a subscriber's queue: its JSON's length plus a
    /// fixed share for the fields around it. An estimate, cheap to take on every publish, that grows with what a
    /// client controls (event data, command parameters, key-value values), which is what a byte bound must see.
    public var approximateSize: Int {
        let overhead = 128
        switch self {
        case .event(let event): return overhead + event.eventType.utf8.count + JSONValue.object(event.eventData).approximateSize
        case .command(let command): return overhead + command.action.utf8.count + JSONValue.object(command.parameters).approximateSize
        case .thingCommand(let command): return overhead + command.channel.utf8.count + command.value.utf8.count + command.seq.utf8.count
        case .keyValue(.set(let pair)): return overhead + pair.key.utf8.count + pair.value.approximateSize
        case .keyValue(.deleted(let key, _)): return overhead + key.utf8.count
        case .readings(let readings): return readings.reduce(overhead) { $0 + 96 + $1.channel.utf8.count + $1.value.approximateSize }
        case .commandStatus(let command): return overhead + command.value.utf8.count + (command.message?.utf8.count ?? 0)
        case .revoked: return overhead
        case .credentialRevoked: return overhead
        case .broker(let note): return overhead + (note.message?.count ?? 0) + note.mountPoint.utf8.count + (note.clientIdentifier?.utf8.count ?? 0)
        }
    }
}

extension JSONValue {
    /// About the length of the value's JSON text (strings without their escapes), found without writing it.
    public var approximateSize: Int {
        switch self {
        case .null: return 4
        case .bool: return 5
        case .number: return 8
        case .string(let text): return text.utf8.count + 2
        case .array(let items): return items.reduce(2) { $0 + $1.approximateSize + 1 }
        case .object(let fields): return fields.reduce(2) { $0 + $1.key.utf8.count + 3 + $1.value.approximateSize + 1 }
        }
    }
}

extension ReadingValue {
    /// About the length of the value as JSON.
    public var approximateSize: Int {
        switch self {
        case .number: 8
        case .numbers(let values): 2 + 9 * values.count
        case .text(let text): text.utf8.count + 2
        }
    }
}
