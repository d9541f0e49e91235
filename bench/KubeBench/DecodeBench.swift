import Foundation
import SluiceKube

/// Watch decoding alone, on one core: a recorded stream of MODIFIED events cut into 16 KiB chunks (as a
/// socket delivers them) through the decoder into an informer cache.
enum DecodeBench {
    static func run(events: Int, pods: Int) async -> (seconds: Double, bytes: Int) {
        var stream: [UInt8] = []
        for i in 0..<events {
            let event: JSONValue = ["type": "MODIFIED", "object": .object(PodFixture.pod(index: i % pods, generation: i / pods))]
            stream += event.serialized()
            stream.append(0x0A)
        }
        let informer = Informer()
        let start = ContinuousClock.now
        var decoder = WatchDecoder()
        var batch: [WatchUpdate] = []
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 16_384)
            try! decoder.feed(Array(stream[offset..<end]), into: &batch)
            for update in batch { await informer.apply(update) }
            batch.removeAll(keepingCapacity: true)
            offset = end
        }
        let elapsed = ContinuousClock.now - start
        precondition(informer.count == pods)
        return (elapsed.seconds, stream.count)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
