import NIOCore

/// A channel handler on every connection: closes a connection beyond the server's limit as
/// soon as it is accepted, and one whose client stops reading its answer (the socket stays
/// unwritable) for longer than the write timeout, so that neither idle sockets nor unread
/// answers can pile up. Reading is bounded by Hummingbird's idle timeout.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let count: BoundedCount
    private let writeTimeout: TimeAmount
    private var counted = false
    private var stalled: Scheduled<Void>?

    init(count: BoundedCount, writeTimeout: TimeAmount) {
        self.count = count
        self.writeTimeout = writeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if count.enter() {
            counted = true
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stalled?.cancel()
        stalled = nil
        if counted { count.leave() }
        counted = false
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stalled?.cancel()
            stalled = nil
        } else if stalled == nil {
            let channel = context.channel
            stalled = context.eventLoop.scheduleTask(in: writeTimeout) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }
}
