import Foundation

/// The event history.
public protocol EventRepository: Sendable {
    /// Stores the events in order and returns them with their ids.
    func append(_ events: [NewEvent]) async throws -> [Event]
    func recent(homeId: Int, limit: Int) async throws -> [Event]
}
