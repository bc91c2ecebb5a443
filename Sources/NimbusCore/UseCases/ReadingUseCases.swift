import Foundation

/// Accepting readings from things (Cayenne MQTT, HTTP push, LoRaWAN uplinks). A reading is acknowledged only
/// once it is stored with its channel's latest value; then it goes live to its account's stream. The telemetry
/// views (`TelemetryUseCases`) read what is stored here.
public struct ReadingUseCases: Sendable {
    let environment: CoreEnvironment
    let writer: ReadingIngest

    init(environment: CoreEnvironment) {
        self.environment = environment
        self.writer = ReadingIngest(
            store: environment.store,
            observers: (environment.rollsUpReadings ? DerivedReadings.keepers : DerivedReadings.keepersWithoutRollups)
                + environment.readingObservers + [RuleObserver(environment: environment), ReadingPublisher(bus: environment.bus)],
            clock: environment.clock, limits: environment.thingLimits)
    }

    /// Readings a thing sent about itself, the thing being the caller (`principal` is `.device(thingId)`).
    public func fromThing(_ thingId: Int, readings: [NewReading], by principal: Principal) async throws {
        guard case .device(let caller, _) = principal, caller == thingId else { throw NimbusError.wrongCredentialKind }
        guard !readings.isEmpty else { return }
        let limit = environment.thingLimits.readingsPerMessage
        guard readings.count <= limit else { throw NimbusError.invalidInput(field: "readings", reason: "at most \(limit) in one message") }
        for reading in readings { try Self.validate(reading) }
        try await writer.write(.init(thingId: thingId, readings: readings))
    }

    /// The most recent readings of a thing of the caller's account (newest first).
    public func recent(_ thingId: UUID, sensorId: UUID?, limit: Int, accountId: Int?, by principal: Principal) async throws -> [Reading] {
        try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
            let sensor = try await sensorId.asyncMap { try await ThingUseCases.device($0, in: home, tx: tx) }
            return try await tx.readings.recent(deviceId: thing.id, sensorId: sensor?.id, limit: min(max(limit, 1), 1000))
        }
    }

    static func validate(_ reading: NewReading) throws {
        try Validation.type(reading.channel, field: "channel", maxLength: 64)
        if let type = reading.type { try Validation.type(type, field: "type", maxLength: 64) }
        if let unit = reading.unit { try Validation.type(unit, field: "unit", maxLength: 64) }
        switch reading.value {
        case .number(let value):
            guard value.isFinite else { throw NimbusError.invalidInput(field: "value", reason: "must be a finite number") }
        case .numbers(let values):
            guard (1...16).contains(values.count), values.allSatisfy(\.isFinite) else {
                throw NimbusError.invalidInput(field: "value", reason: "1 to 16 finite numbers")
            }
        case .text(let text):
            guard text.utf8.count <= 256 else { throw NimbusError.invalidInput(field: "value", reason: "at most 256 bytes of text") }
            try Validation.plainText(text, field: "value")
        }
    }
}
