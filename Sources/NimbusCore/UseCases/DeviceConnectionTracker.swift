import Foundation
import Logging
import Metrics
import Synchronization

/// Counts each device's live connections on this server and records in the store when it goes from none to one
/// and back; a device is connected while any server sharing the database holds one of its connections (`NodeRepository`),
/// so `isConnected` and the connect and disconnect times stay true with connections on several servers.
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

    /// Writes whether this server holds a connection of the device, and the device's state when that changes whether
    /// any server holds one (its connect or disconnect time, and the rules watching it, in the same transaction). The
    /// count is read again at write time, so that a connect and a disconnect racing each other leave the last word to
    /// the true state.
    func record(_ deviceId: Int) async {
        let node = environment.node
        do {
            let effects = try await environment.store.write { tx in
                try await tx.nodes.setConnection(deviceId: deviceId, node: node, open: self.isConnected(deviceId))
                let connected = try await tx.nodes.isConnectedAnywhere(deviceId: deviceId)
                guard let device = try await tx.devices.get(id: deviceId), device.isConnected != connected else { return AutomationEffects() }
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
