import Foundation

/// The one node the simulated kubelet runs: its name, its address, and the pod addresses it hands out.
public struct SimulatedNode: Sendable, Equatable {
    public var name: String
    public var hostIP: String
    /// The first two octets of the pod network (`10.244` gives 10.244.0.2, 10.244.0.3, ...).
    public var podNetworkPrefix: String

    public init(name: String = "kubesim-node-1", hostIP: String = "172.18.0.2", podNetworkPrefix: String = "10.244") {
        self.name = name
        self.hostIP = hostIP
        self.podNetworkPrefix = podNetworkPrefix
    }

    /// The address of the `index`th pod (0-based): .2 ... .254 of each /24 in turn, across the /16.
    public func podIP(index: Int) -> String {
        let slot = index % (256 * 253)
        return "\(podNetworkPrefix).\(slot / 253).\(2 + slot % 253)"
    }
}

/// Stable identifiers derived from a seed, so a planned status is the same each time it is computed.
enum StableID {
    /// `count` lowercase hex digits from FNV-1a rounds over `seed`.
    static func hex(_ seed: String, count: Int = 64) -> String {
        var out = ""
        var round: UInt64 = 0
        while out.count < count {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 &+ round
            for byte in seed.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            h ^= h >> 29
            out += String(h, radix: 16).leftPadded(to: 16)
            round += 1
        }
        return String(out.prefix(count))
    }

    /// Characters Kubernetes uses for generated name suffixes (no vowels, no look-alikes).
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// A `count`-character suffix like the ones ReplicaSets and generateName produce.
    static func suffix(_ seed: String, count: Int = 5) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var out = ""
        for _ in 0..<count {
            out.append(alphabet[Int(h % UInt64(alphabet.count))])
            h /= UInt64(alphabet.count)
            if h == 0 { h = 0x9e37_79b9_7f4a_7c15 }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
