/// How much retained data one project (mount point) and one principal in it (`MQTTClient.owner`) may keep.
///
/// Retained messages outlive their publisher, are kept in memory for routing and written to the store, so
/// without a bound one device could fill both (300 retained messages of 1 MB took 330 MB of memory and 290 MB
/// of disk). A PUBLISH past a bound is refused with 0x97 Quota exceeded (MQTT 5) or a disconnect (3.1.1);
/// replacing or deleting a retained message is always allowed, since it never grows the total past a bound.
public struct MQTTRetainedQuota: Sendable, Hashable {
    /// Retained messages in one project.
    public var messagesPerProject = 10_000
    /// Retained payload bytes in one project.
    public var bytesPerProject = 64 << 20
    /// Retained messages one principal has published, in its project.
    public var messagesPerClient = 1_000
    /// Retained payload bytes one principal has published, in its project.
    public var bytesPerClient = 8 << 20
    /// Retained payload bytes of the whole server, every project together: the memory retained messages may
    /// take, at run time and after a restart, whatever the number of projects.
    public var bytesInTotal = 1 << 30

    public init() {}
}
