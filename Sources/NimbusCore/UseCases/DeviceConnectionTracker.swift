import Foundation
import Logging
import Metrics
import Synchronization

/// Counts each device's live connections (WebSockets now, MQTT later) and records in the store when a
/// device goes from none to one connection and back, so `isConnected` and the connect and disconnect
/// times stay true.
public final class DeviceConnectionTracker: Sendable {
    /// Live connections per device, and their sum (kept, not recomputed, so a connect stays O(1)).
    private struct Counts {
        var perDevice: [Int: Int] = [:]
        var total = 0
    }

    private let counts = Mutex(Counts())
    private let environment: CoreEnvironment
    private let gauge = Gauge(label: "nimbus_device_connections")

    init(environment: CoreEnvironment) {
        self.environment = environment
    }

    /// Records a new connection of the device.
    public func connected(_ deviceId: Int) async {
        let (first, total) = counts.withLock { counts in
            counts.perDevice[deviceId, default: 0] += 1
            counts.total += 1
            return (counts.perDevice[deviceId] == 1, counts.total)
        }
        gauge.record(total)
        if first { await record(deviceId) }
    }

    /// Records that one connection of the device closed.
    public func disconnected(_ deviceId: Int) async {
        let (last, total) = counts.withLock { counts in
            guard let current = counts.perDevice[deviceId] else { return (false, counts.total) }
            counts.perDevice[deviceId] = current > 1 ? current - 1 : nil
            counts.total -= 1
            return (current == 1, counts.total)
        }
        gauge.record(total)
        if last { await record(deviceId) }
    }

    public func isConnected(_ deviceId: Int) -> Bool {
        counts.withLock { $0.perDevice[deviceId] != nil }
    }

    /// Writes the device's current state; reads the count again at write time so that a connect and a
    /// disconnect racing each other still leave the last word to the true state.
    private func record(_ deviceId: Int) async {
        let connected = isConnected(deviceId)
        do {
            // The rules watching the thing's connection state are evaluated in the same transaction.
            let effects = try await environment.store.write { tx in
                let now = self.environment.clock.now()
                try await tx.devices.setConnected(id: deviceId, connected: connected, at: now)
                return try await RuleUseCases.connectionChanged(
                    thingId: deviceId, connected: connected, at: now, environment: self.environment, in: tx)
            }
            effects.published(environment: environment)
        } catch {
            environment.logger.warning("could not record device connection state", metadata: ["device.id": "\(deviceId)", "error": "\(error)"])
        }
    }
}
