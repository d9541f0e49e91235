import Foundation
import SluiceKube

/// One node of the simulated cluster: its name, address, labels, taints and capacity, and the pod
/// addresses it hands out. The kubelet registers it as a Node object; the scheduler binds pods to it.
public struct SimulatedNode: Sendable, Equatable {
    public var name: String
    public var hostIP: String
    /// The first two octets of the pod network (`10.244` gives 10.244.0.2, 10.244.0.3, ...).
    public var podNetworkPrefix: String
    /// Labels besides the well-known ones every node carries (`kubernetes.io/hostname`, `kubernetes.io/os`, ...).
    public var labels: [String: String]
    public var taints: [NodeTaint]
    /// `status.capacity`, which is also `status.allocatable`: `cpu`, `memory`, `pods`, `nvidia.com/gpu`, ...
    public var capacity: [String: String]
    /// `spec.unschedulable` (`kubectl cordon`): the scheduler places no new pods here.
    public var unschedulable = false

    /// One node of 4 cpu, 16Gi and 110 pods: what a small real worker reports.
    public static let defaultCapacity: [String: String] = ["cpu": "4", "memory": "16Gi", "pods": "110",
                                                           "ephemeral-storage": "100Gi"]

    public init(name: String = "kubesim-node-1", hostIP: String = "172.18.0.2", podNetworkPrefix: String = "10.244",
                labels: [String: String] = [:], taints: [NodeTaint] = [], capacity: [String: String] = SimulatedNode.defaultCapacity) {
        self.name = name
        self.hostIP = hostIP
        self.podNetworkPrefix = podNetworkPrefix
        self.labels = labels
        self.taints = taints
        self.capacity = capacity
    }

    /// The address of the `index`th pod (0-based): .2 ... .254 of each /24 in turn, across the /16.
    public func podIP(index: Int) -> String {
        let slot = index % (256 * 253)
        return "\(podNetworkPrefix).\(slot / 253).\(2 + slot % 253)"
    }
}

/// A node taint (`spec.taints[]`): pods that do not tolerate it are kept off (NoSchedule) or away (NoExecute).
public struct NodeTaint: Sendable, Equatable {
    public var key: String
    public var value: String
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    public var effect: String

    public init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    public var json: JSONValue {
        var t: JSONObject = ["key": .string(key)]
        if !value.isEmpty { t["value"] = .string(value) }
        t["effect"] = .string(effect)
        return .object(t)
    }

    /// Reads `spec.taints[]` entries.
    static func of(_ value: JSONValue?) -> [NodeTaint] {
        (value?.arrayValue ?? []).compactMap { t in
            guard let key = t["key"]?.stringValue, let effect = t["effect"]?.stringValue else { return nil }
            return NodeTaint(key: key, value: t["value"]?.stringValue ?? "", effect: effect)
        }
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
