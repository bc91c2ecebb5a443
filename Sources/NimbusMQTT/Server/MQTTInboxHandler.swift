import NIOCore

/// The last handler of an MQTT channel's pipeline: gives the decoded frames to the connection's inbox, and stops
/// reading from the socket while the connection is behind (`MQTTConnectionInbox.post(_:)` says when), so that a
/// client publishing faster than its messages are handled is slowed down by TCP rather than buffered.
final class MQTTInboxHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = MQTTFrame

    let inbox: MQTTConnectionInbox

    init(inbox: MQTTConnectionInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard inbox.post(unwrapInboundIn(data)) else { return }
        let channel = context.channel
        channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        inbox.whenDrained {
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.inputEnded()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.inputEnded(by: error)
    }
}
