import Foundation

/// Commands to Cayenne things (`POST /things/{id}/cmd`): stored, then handed to the thing's connections through the
/// bus; a thing that is offline gets them when it connects, until they expire (`CoreEnvironment.commandLifetime`).
/// The device's answer on `response` closes the command; its status stays readable, and each change of it (sent,
/// answered, timed out) goes live to the account's stream.
public struct ThingCommandUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// The most bytes of a command's value and digits of its channel: the C and Arduino libraries read at most 134
    /// bytes per packet, and a command's QoS 1 PUBLISH takes 105 of them besides these two: the fixed header (2), the
    /// topic's length (2), the topic `v1/{user}/things/{id}/cmd/` with two UUIDs (88), the packet id (2) and the
    /// payload's `{seq},` (11). 24 + 5 makes 134.
    public static let maximumValueBytes = 24
    public static let maximumChannelDigits = 5

    /// Sends `value` to a channel of a thing of the caller's account (`devices: add_edit`).
    public func send(to thingId: UUID, channel: String, value: String, accountId: Int?, by principal: Principal) async throws -> ThingCommand {
        let channel = try Self.validated(channel: channel, value: value)
        let now = environment.clock.now()
        let (command, homeId) = try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
            return (try await Self.stage(to: thing, channel: channel, value: value, at: now, environment: environment, in: tx), home.id)
        }
        Self.publish(command, homeId: homeId, bus: environment.bus)
        return command
    }

    /// The channel of a command, checked with its value: an unsigned decimal number of at most 5 digits, and 1 to 24
    /// bytes without a comma, so that the packet fits the devices' buffer.
    static func validated(channel: String, value: String) throws -> String {
        let channel = try Validation.text(channel, field: "channel", maxLength: Self.maximumChannelDigits)
        guard channel.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw NimbusError.invalidInput(field: "channel", reason: "must be an unsigned decimal number")
        }
        guard !value.isEmpty, value.utf8.count <= Self.maximumValueBytes, !value.contains(",") else {
            throw NimbusError.invalidInput(field: "value", reason: "1 to \(Self.maximumValueBytes) bytes without a comma")
        }
        try Validation.plainText(value, field: "value")
        return channel
    }

    /// Stores a command for an activated thing, within the thing's bound of waiting commands (a rule's action does the
    /// same in the readings' transaction); `publish` it once committed.
    static func stage(
        to thing: Device, channel: String, value: String, at now: Date, environment: CoreEnvironment, in tx: any StoreTransaction
    ) async throws -> ThingCommand {
        guard thing.status == .activated else { throw NimbusError.invalidInput(field: "thing", reason: "the thing is deactivated") }
        let limits = environment.thingLimits
        guard try await tx.thingCommands.waitingCount(thingId: thing.id, at: now) < limits.waitingCommandsPerThing else {
            throw NimbusError.limitReached(what: "commands waiting for one thing", limit: limits.waitingCommandsPerThing)
        }
        let command = try await tx.thingCommands.insert(ThingCommand(
            id: 0, thingId: thing.id, channel: channel, value: value, seq: Self.newSeq(), status: .pending, message: nil,
            creationTime: now, deliveryTime: nil, answerTime: nil, expirationTime: now + environment.commandLifetime))
        try await tx.thingCommands.prune(thingId: thing.id, keep: limits.commandsKeptPerThing, at: now)
        return command
    }

    /// Hands a committed command to the thing's connections and its status to the account's stream.
    static func publish(_ command: ThingCommand, homeId: Int, bus: any MessageBus) {
        bus.publish(.thingCommand(command), to: .device(command.thingId))
        bus.publish(.commandStatus(command), to: .home(homeId))
    }

    /// A thing's most recent commands (newest first), or one of them.
    public func list(_ thingId: UUID, accountId: Int?, by principal: Principal) async throws -> [ThingCommand] {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
            return try await tx.thingCommands.recent(thingId: thing.id, limit: 50)
        }
    }

    public func get(_ commandId: Int, of thingId: UUID, accountId: Int?, by principal: Principal) async throws -> ThingCommand {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
            guard let command = try await tx.thingCommands.get(id: commandId), command.thingId == thing.id else {
                throw NimbusError.notFound("command")
            }
            return command
        }
    }

    // MARK: - The thing's side (the thing itself is the caller)

    /// The commands waiting for a thing that just connected, marked delivered.
    public func takeUndelivered(by principal: Principal) async throws -> [ThingCommand] {
        let thingId = try AccessPolicy.requireDevice(principal)
        let now = environment.clock.now()
        return try await store.write { tx in
            var commands = try await tx.thingCommands.undelivered(thingId: thingId, at: now)
            for index in commands.indices {
                commands[index].deliveryTime = now
                try await tx.thingCommands.update(commands[index])
            }
            return commands
        }
    }

    /// A command handed to a connection of the thing.
    public func delivered(_ command: ThingCommand, by principal: Principal) async throws {
        guard try AccessPolicy.requireDevice(principal) == command.thingId else { throw NimbusError.permissionDenied }
        try await store.write { tx in
            guard var stored = try await tx.thingCommands.get(id: command.id), stored.deliveryTime == nil else { return }
            stored.deliveryTime = environment.clock.now()
            try await tx.thingCommands.update(stored)
        }
    }

    /// The thing's `ok,seq` or `error,seq=message`; an answer to no pending command is ignored (it may be late).
    public func answer(seq: String, error: String?, by principal: Principal) async throws {
        let thingId = try AccessPolicy.requireDevice(principal)
        let message = try error.map { try Validation.text($0, field: "message", maxLength: 256, allowEmpty: true) }
        let now = environment.clock.now()
        let answered: (ThingCommand, Int?)? = try await store.write { tx in
            guard var command = try await tx.thingCommands.pending(thingId: thingId, seq: seq) else { return nil }
            command.status = message == nil ? .ok : .error
            command.message = message
            command.answerTime = now
            try await tx.thingCommands.update(command)
            return (command, try await tx.devices.get(id: thingId)?.homeId)
        }
        if case let (command, homeId?)? = answered { environment.bus.publish(.commandStatus(command), to: .home(homeId)) }
    }

    /// Publishes, as `timed_out`, the commands whose time ran out after `since` and until now without an answer (a
    /// command times out by time alone: nothing is written). Called about once a second by the server.
    /// - Returns: the time to pass as `since` next.
    public func publishTimeouts(since: Date) async throws -> Date {
        let now = environment.clock.now()
        let (expired, homes) = try await store.read { tx in
            let expired = try await tx.thingCommands.expired(after: since, upTo: now)
            let things = expired.isEmpty ? [] : try await tx.devices.get(ids: Array(Set(expired.map(\.thingId))))
            return (expired, Dictionary(things.map { ($0.id, $0.homeId) }, uniquingKeysWith: { first, _ in first }))
        }
        for var command in expired {
            guard let homeId = homes[command.thingId] ?? nil else { continue }
            command.status = .timedOut
            environment.bus.publish(.commandStatus(command), to: .home(homeId))
        }
        return now
    }

    /// 10 characters of `[0-9A-Za-z]`: unique enough per thing, and short for the devices' 134-byte packets.
    static func newSeq() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        return String(Secrets.randomBytes(10).map { alphabet[Int($0) % alphabet.count] })
    }
}
