import Foundation

extension TelemetryUseCases {
    /// A walk through a thing's readings over a range, a page at a time, for an export of any length in constant
    /// memory: channel by channel (by sensor, then channel), each oldest first, each page read from the index in
    /// order. The caller's access is checked when it is made.
    public struct ReadingExport: Sendable {
        let store: any Store
        let channels: [SensorChannel]
        let from: Date
        let to: Date
        /// The UUID of each sensor the readings may name.
        public let sensorUUIDs: [Int: UUID]

        /// Where an export stands: which channel, and the last reading given of it.
        public struct Position: Sendable, Hashable {
            var channel: Int
            var after: ReadingPosition?
            public static let start = Position(channel: 0, after: nil)
        }

        /// Every page in order, each given to `body` while the next one is read: the store's round trip for a page (to
        /// a PostgreSQL server elsewhere on the network) overlaps the caller's work on the one before (rendering and
        /// sending it), at most two pages held at a time. On this 2-core machine with PostgreSQL beside the server the
        /// two measured alike (the CPU is the bound there, not the round trips).
        public func forEachPage(limit: Int = 1_000, _ body: ([Reading]) async throws -> Void) async throws {
            var reading: Task<(readings: [Reading], next: Position?), any Error>? = Task { [self] in try await page(at: .start, limit: limit) }
            defer { reading?.cancel() }
            while let current = reading {
                let (page, next) = try await current.value
                reading = next.map { next in Task { [self] in try await self.page(at: next, limit: limit) } }
                try await body(page)
            }
        }

        /// At most `limit` readings from `position` on, and where to go on from (`nil` at the end).
        public func page(at position: Position, limit: Int = 1_000) async throws -> (readings: [Reading], next: Position?) {
            var position = position
            while position.channel < channels.count {
                let current = channels[position.channel]
                let page = try await store.read { [position] tx in
                    try await tx.readings.page(
                        sensorId: current.sensorId, channel: current.channel, from: from, to: to, after: position.after, limit: limit)
                }
                if let last = page.last, page.count == limit {
                    return (page, Position(channel: position.channel, after: ReadingPosition(timestamp: last.timestamp, id: last.id)))
                }
                position = Position(channel: position.channel + 1, after: nil)
                if !page.isEmpty { return (page, position.channel < channels.count ? position : nil) }
            }
            return ([], nil)
        }
    }

    /// Every reading of a thing's channels (its children's, or its own for a child) from `from` to `to`.
    public func export(of thingId: UUID, from: Date, to: Date, accountId: Int?, by principal: Principal) async throws -> ReadingExport {
        guard from <= to else { throw NimbusError.invalidInput(field: "startDate", reason: "must not be after endDate") }
        let (sensors, channels) = try await environment.store.read { tx in
            try await Self.channels(of: thingId, only: nil, accountId: accountId, by: principal, tx: tx)
        }
        return ReadingExport(store: environment.store, channels: channels, from: from, to: to, sensorUUIDs: sensors.mapValues(\.uuid))
    }
}
