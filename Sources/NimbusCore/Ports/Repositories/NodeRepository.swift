import Foundation

/// The servers (nodes) sharing the database, and which of them holds a connection of which device: a device's
/// `isConnected` is whether any live node holds one (`DeviceConnectionTracker`, `NodeUseCases`).
public protocol NodeRepository: Sendable {
    /// Records that the node was alive at `time`.
    func heartbeat(node: String, at time: Date) async throws
    /// Records that the node holds at least one connection of the device (`open`), or none any more.
    func setConnection(deviceId: Int, node: String, open: Bool) async throws
    /// Whether any node holds a connection of the device.
    func isConnectedAnywhere(deviceId: Int) async throws -> Bool
    /// Forgets the nodes other than `node` not seen since `cutoff`, with the device connections they held.
    func removeNodes(seenBefore cutoff: Date, except node: String) async throws
    /// The devices marked connected that no node holds a connection of any more.
    func connectedWithoutConnection() async throws -> [Int]
}
