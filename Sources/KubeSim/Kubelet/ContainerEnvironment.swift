import Foundation
import SluiceKube
import SluiceModel

/// What a container's environment and downward API volumes are built from: the pod as stored, the store
/// holding its ConfigMaps and Secrets, and the addresses the kubelet gave it.
struct PodSources {
    let pod: JSONObject
    let store: ObjectStore
    var podIP: String?
    var hostIP: String?
    /// The node's capacity: what `resourceFieldRef` reports for a limit the container does not set.
    var nodeCapacity: [String: String] = SimulatedNode.defaultCapacity

    var namespace: String { pod["metadata"]?["namespace"]?.stringValue ?? "default" }

    /// A ConfigMap's or Secret's keys and their values as text (Secret values decoded from base64), or
    /// nil when it does not exist.
    func data(_ type: SimResource, _ name: String?) -> [String: String]? {
        guard let name, let object = store.get(type, namespace: namespace, name: name)?.object else { return nil }
        var out: [String: String] = [:]
        for (key, bytes) in Self.bytes(of: object, secret: type == .secrets) { out[key] = String(decoding: bytes, as: UTF8.self) }
        return out
    }

    /// Every key of a ConfigMap (`data` and `binaryData`) or Secret (`data`, and `stringData` written
    /// straight into the store) with its bytes.
    static func bytes(of object: JSONObject, secret: Bool) -> [String: Data] {
        var out: [String: Data] = [:]
        for (key, value) in object["data"]?.objectValue ?? JSONObject() {
            guard let s = value.stringValue else { continue }
            out[key] = secret ? Data(base64Encoded: s) ?? Data(s.utf8) : Data(s.utf8)
        }
        for (key, value) in object[secret ? "stringData" : "binaryData"]?.objectValue ?? JSONObject() {
            guard let s = value.stringValue else { continue }
            out[key] = secret ? Data(s.utf8) : Data(base64Encoded: s) ?? Data(s.utf8)
        }
        return out
    }

    /// A `fieldRef` path's value (pkg/fieldpath ExtractFieldPathAsString plus the kubelet's
    /// podIP/hostIP/nodeName), or nil for a path the kubelet would not resolve.
    func field(_ path: String) -> String? {
        let meta = pod["metadata"]
        if let key = Self.subscriptKey(path, of: "metadata.labels") { return meta?["labels"]?[key]?.stringValue ?? "" }
        if let key = Self.subscriptKey(path, of: "metadata.annotations") { return meta?["annotations"]?[key]?.stringValue ?? "" }
        switch path {
        case "metadata.name": return meta?["name"]?.stringValue
        case "metadata.namespace": return namespace
        case "metadata.uid": return meta?["uid"]?.stringValue
        case "metadata.labels": return Self.lines(meta?["labels"])
        case "metadata.annotations": return Self.lines(meta?["annotations"])
        case "spec.nodeName": return pod["spec"]?["nodeName"]?.stringValue
        case "spec.serviceAccountName": return pod["spec"]?["serviceAccountName"]?.stringValue ?? "default"
        case "status.podIP", "status.podIPs": return podIP ?? pod["status"]?["podIP"]?.stringValue
        case "status.hostIP", "status.hostIPs": return hostIP ?? pod["status"]?["hostIP"]?.stringValue
        default: return nil
        }
    }

    /// `k` of `prefix['k']`.
    static func subscriptKey(_ path: String, of prefix: String) -> String? {
        guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
        return String(path.dropFirst(prefix.count + 2).dropLast(2))
    }

    /// `key="value"` lines, sorted, as the downward API writes labels and annotations.
    static func lines(_ map: JSONValue?) -> String {
        (map?.objectValue ?? JSONObject()).compactMap { key, value in value.stringValue.map { "\(key)=\"\($0)\"" } }
            .sorted().joined(separator: "\n")
    }

    /// A `resourceFieldRef` value: the container's limit (the node's capacity when unset) or request,
    /// divided by `divisor` and rounded up, as pkg/api/v1/resource ExtractContainerResourceValue does.
    func resource(_ ref: JSONValue, container: JSONValue?) -> String? {
        guard let resource = ref["resource"]?.stringValue else { return nil }
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["limits", "requests"].contains(parts[0]) else { return nil }
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []) + (pod["spec"]?["initContainers"]?.arrayValue ?? [])
        let target = ref["containerName"]?.stringValue.flatMap { name in containers.first { $0["name"]?.stringValue == name } }
            ?? container
        let declared = target?["resources"]?[parts[0]]?[parts[1]]?.stringValue
        let fallback = parts[0] == "limits" ? nodeCapacity[parts[1]] : "0"
        guard let text = declared ?? fallback, let amount = try? Quantity(parsing: text) else { return "0" }
        let divisor = ref["divisor"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
            .flatMap { try? Quantity(parsing: $0) }.map(\.milliValue) ?? 1000
        guard divisor > 0 else { return "0" }
        let (q, r) = amount.milliValue.quotientAndRemainder(dividingBy: divisor)
        return String(describing: q + (r > 0 ? 1 : 0))
    }
}

/// A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables):
/// `envFrom` first, then `env` in order, each literal value expanding `$(VAR)` from what came before.
enum ContainerEnvironment {
    /// The variables, with `literal` applied to each literal `value` before its expansion (the host runtime
    /// rewrites container paths there). References the store cannot answer are left unset: a required one
    /// holds the pod in CreateContainerConfigError before its containers start.
    static func resolve(_ container: JSONValue, sources: PodSources,
                        literal: (String) -> String = { $0 }) -> [String: String] {
        var env: [String: String] = [:]
        for source in container["envFrom"]?.arrayValue ?? [] {
            let prefix = source["prefix"]?.stringValue ?? ""
            let values = source["configMapRef"].map { sources.data(.configMaps, $0["name"]?.stringValue) ?? [:] }
                ?? source["secretRef"].map { sources.data(.secrets, $0["name"]?.stringValue) ?? [:] } ?? [:]
            for (key, value) in values { env[prefix + key] = value }
        }
        for entry in container["env"]?.arrayValue ?? [] {
            guard let key = entry["name"]?.stringValue else { continue }
            if let value = entry["value"]?.stringValue {
                env[key] = ContainerCommand.expand(literal(value), env)
            } else if let from = entry["valueFrom"] {
                if let value = referenced(from, container: container, sources: sources) { env[key] = value }
            } else {
                env[key] = ""
            }
        }
        return env
    }

    /// One `valueFrom`: a ConfigMap or Secret key, a pod field, or a container resource.
    static func referenced(_ from: JSONValue, container: JSONValue, sources: PodSources) -> String? {
        if let ref = from["configMapKeyRef"], let key = ref["key"]?.stringValue {
            return sources.data(.configMaps, ref["name"]?.stringValue)?[key]
        }
        if let ref = from["secretKeyRef"], let key = ref["key"]?.stringValue {
            return sources.data(.secrets, ref["name"]?.stringValue)?[key]
        }
        if let path = from["fieldRef"]?["fieldPath"]?.stringValue { return sources.field(path) }
        if let ref = from["resourceFieldRef"] { return sources.resource(ref, container: container) }
        return nil
    }
}
