import Foundation

/// A command to one channel of a Cayenne thing: published as `seq,value` on `…/cmd/{channel}`, closed by the
/// device's `ok,seq` or `error,seq=message` on `…/response`. A thing that is offline gets it when it connects,
/// unless it expired first.
public struct ThingCommand: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case pending
        case ok
        case error
        /// Not answered before `expirationTime` (decided when read: nothing runs to time it out).
        case timedOut = "timed_out"
    }

    public var id: Int
    public var thingId: Int
    public var channel: String
    public var value: String
    /// The short random sequence id the device answers with.
    public var seq: String
    public var status: Status
    /// The device's `error,seq=message` text.
    public var message: String?
    public var creationTime: Date
    /// When it was handed to a connection of the thing; `nil` while it waits for one.
    public var deliveryTime: Date?
    public var answerTime: Date?
    public var expirationTime: Date

    public init(
        id: Int, thingId: Int, channel: String, value: String, seq: String, status: Status, message: String?, creationTime: Date,
        deliveryTime: Date?, answerTime: Date?, expirationTime: Date
    ) {
        self.id = id
        self.thingId = thingId
        self.channel = channel
        self.value = value
        self.seq = seq
        self.status = status
        self.message = message
        self.creationTime = creationTime
        self.deliveryTime = deliveryTime
        self.answerTime = answerTime
        self.expirationTime = expirationTime
    }

    /// The status as of `now`: a pending command past its expiration has timed out.
    public func status(at now: Date) -> Status {
        status == .pending && now >= expirationTime ? .timedOut : status
    }
}
