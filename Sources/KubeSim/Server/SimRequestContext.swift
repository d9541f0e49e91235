import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the channel, for the TLS peer certificate.
public struct SimRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { 64 << 20 }
}
