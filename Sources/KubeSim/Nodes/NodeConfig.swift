import Foundation
import SluiceKube
import SluiceModel

/// Reads simulated nodes from `--node` flags and `--nodes-file` files.
///
/// A flag is `NAME[,RESOURCE=QUANTITY...][,label:KEY=VALUE...][,taint:KEY[=VALUE]:EFFECT...]`, e.g.
/// `gpu-1,cpu=16,memory=64Gi,nvidia.com/gpu=4,label:accelerator=a100,taint:nvidia.com/gpu=present:NoSchedule`.
/// A file holds a JSON array of `{"name", "capacity", "labels", "taints", "hostIP"}` objects.
/// Resources not given keep the defaults (4 cpu, 16Gi, 110 pods).
public enum NodeConfig {
    /// A node description that could not be read, naming the part at fault.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    static let effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

    /// Parses one `--node` value; `index` picks its host address.
    public static func parse(flag text: String, index: Int) throws(Problem) -> SimulatedNode {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var node = SimulatedNode(name: parts[0], hostIP: hostIP(index))
        try checkName(node.name, in: text)
        for part in parts.dropFirst() {
            if part.hasPrefix("label:") {
                let kv = part.dropFirst("label:".count).split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, !kv[0].isEmpty else { throw Problem(description: "--node \(text): \(part) is not label:KEY=VALUE") }
                node.labels[kv[0]] = kv[1]
            } else if part.hasPrefix("taint:") {
                node.taints.append(try taint(String(part.dropFirst("taint:".count)), in: text))
            } else {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw Problem(description: "--node \(text): \(part) is not RESOURCE=QUANTITY, label:K=V or taint:K=V:EFFECT") }
                node.capacity[kv[0]] = try quantity(kv[1], resource: kv[0], in: text)
            }
        }
        return node
    }

    /// Reads a `--nodes-file`: a JSON array of node descriptions.
    public static func parse(file path: String, firstIndex: Int) throws(Problem) -> [SimulatedNode] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "--nodes-file \(path): cannot read the file") }
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(Array(data)) } catch { throw Problem(description: "--nodes-file \(path): not JSON: \(error)") }
        guard let entries = parsed.arrayValue else { throw Problem(description: "--nodes-file \(path): expected a JSON array of nodes") }
        var nodes: [SimulatedNode] = []
        for (i, entry) in entries.enumerated() {
            let at = "--nodes-file \(path): [\(i)]"
            guard let name = entry["name"]?.stringValue else { throw Problem(description: "\(at).name is required") }
            var node = SimulatedNode(name: name, hostIP: entry["hostIP"]?.stringValue ?? hostIP(firstIndex + i))
            try checkName(name, in: at)
            for (key, value) in entry["capacity"]?.objectValue ?? JSONObject() {
                let text = value.stringValue ?? value.intValue.map { String($0) } ?? ""
                node.capacity[key] = try quantity(text, resource: key, in: "\(at).capacity")
            }
            for (key, value) in entry["labels"]?.objectValue ?? JSONObject() { node.labels[key] = value.stringValue ?? "" }
            for taint in entry["taints"]?.arrayValue ?? [] {
                guard let key = taint["key"]?.stringValue, let effect = taint["effect"]?.stringValue, effects.contains(effect) else {
                    throw Problem(description: "\(at).taints: each taint needs a key and an effect of \(effects.joined(separator: ", "))")
                }
                node.taints.append(NodeTaint(key: key, value: taint["value"]?.stringValue ?? "", effect: effect))
            }
            nodes.append(node)
        }
        return nodes
    }

    /// Node addresses on the simulated node network: 172.18.0.2, .3, ...
    static func hostIP(_ index: Int) -> String { "172.18.\(index / 250).\(2 + index % 250)" }

    static func checkName(_ name: String, in context: String) throws(Problem) {
        if !NameRule.subdomain.errors(name).isEmpty { throw Problem(description: "\(context): node name \"\(name)\" is not a DNS-1123 subdomain") }
    }

    static func quantity(_ text: String, resource: String, in context: String) throws(Problem) -> String {
        guard let q = try? Quantity(parsing: text), !q.isNegative else {
            throw Problem(description: "\(context): \(resource)=\(text) is not a quantity like 4, 500m or 16Gi")
        }
        return q.canonical
    }

    /// `KEY[=VALUE]:EFFECT`, as `kubectl taint` writes it.
    static func taint(_ text: String, in context: String) throws(Problem) -> NodeTaint {
        guard let colon = text.lastIndex(of: ":") else { throw Problem(description: "--node \(context): taint:\(text) needs :EFFECT") }
        let effect = String(text[text.index(after: colon)...])
        guard effects.contains(effect) else {
            throw Problem(description: "--node \(context): taint effect \(effect) is not one of \(effects.joined(separator: ", "))")
        }
        let kv = text[..<colon].split(separator: "=", maxSplits: 1).map(String.init)
        guard let key = kv.first, !key.isEmpty else { throw Problem(description: "--node \(context): taint:\(text) needs a key") }
        return NodeTaint(key: key, value: kv.count > 1 ? kv[1] : "", effect: effect)
    }
}
