import SluiceKube
import SluiceModel

/// Amounts of resources in thousandths (`cpu` 500m is 500, `memory` 1Ki is 1 024 000), by resource name.
public struct ResourceAmounts: Sendable, Equatable {
    public var milli: [String: Int128] = [:]

    public init(_ milli: [String: Int128] = [:]) { self.milli = milli }

    /// Parses a `resources.requests`-style object; quantities that do not parse count as nothing
    /// (the API server has refused them already).
    init(_ list: JSONValue?) {
        for (name, value) in list?.objectValue ?? JSONObject() {
            if let text = value.stringValue ?? value.intValue.map({ String($0) }), let q = try? Quantity(parsing: text) {
                milli[name] = q.milliValue
            }
        }
    }

    /// Parses a node's `capacity` map.
    init(_ strings: [String: String]) {
        for (name, text) in strings { if let q = try? Quantity(parsing: text) { milli[name] = q.milliValue } }
    }

    subscript(_ name: String) -> Int128 {
        get { milli[name] ?? 0 }
        set { milli[name] = newValue }
    }

    static func + (lhs: ResourceAmounts, rhs: ResourceAmounts) -> ResourceAmounts {
        var sum = lhs
        for (name, value) in rhs.milli { sum[name] += value }
        return sum
    }

    /// Each resource's larger amount.
    func max(_ other: ResourceAmounts) -> ResourceAmounts {
        var out = self
        for (name, value) in other.milli where value > out[name] { out[name] = value }
        return out
    }
}

/// What a pod asks of a node, as the scheduler's NodeResourcesFit counts it
/// (pkg/api/v1/resource/helpers.go PodRequests): the sum over app containers, or the largest init
/// container when that is more, plus the pod overhead; every pod also takes one of the node's `pods`.
enum PodRequests {
    static func of(_ pod: JSONObject) -> ResourceAmounts {
        let spec = pod["spec"]
        var sum = ResourceAmounts()
        for c in spec?["containers"]?.arrayValue ?? [] { sum = sum + requests(of: c) }
        var initMax = ResourceAmounts()
        for c in spec?["initContainers"]?.arrayValue ?? [] { initMax = initMax.max(requests(of: c)) }
        var total = sum.max(initMax) + ResourceAmounts(spec?["overhead"])
        total["pods"] = 1000
        return total
    }

    /// A container's requests; a resource with only a limit requests its limit (the API server's defaulting).
    static func requests(of container: JSONValue) -> ResourceAmounts {
        let limits = ResourceAmounts(container["resources"]?["limits"])
        var requests = ResourceAmounts(container["resources"]?["requests"])
        for (name, value) in limits.milli where requests.milli[name] == nil { requests[name] = value }
        return requests
    }
}
