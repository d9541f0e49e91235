import Foundation
import SluiceKube

/// Writes core v1 Events about objects into the store, as the kubelet, scheduler and controllers do.
public struct EventRecorder: Sendable {
    public let store: ObjectStore
    /// The node named as `source.host` for kubelet events.
    public let host: String

    public init(store: ObjectStore, host: String) {
        self.store = store
        self.host = host
    }

    /// Records `event` about `object` (its kind, name, namespace, uid and resourceVersion), at `time`.
    @discardableResult
    public func record(_ event: SimEvent, about object: JSONObject, at time: Date) -> StoredObject? {
        let meta = object["metadata"]?.objectValue ?? JSONObject()
        let name = meta["name"]?.stringValue ?? ""
        let namespace = meta["namespace"]?.stringValue ?? "default"
        var involved: JSONObject = [
            "kind": object["kind"] ?? "Pod",
            "namespace": .string(namespace),
            "name": .string(name),
        ]
        if let uid = meta["uid"] { involved["uid"] = uid }
        involved["apiVersion"] = object["apiVersion"] ?? "v1"
        if let rv = meta["resourceVersion"] { involved["resourceVersion"] = rv }
        if let field = event.fieldPath { involved["fieldPath"] = .string(field) }
        var source: JSONObject = ["component": .string(event.component)]
        if event.component == "kubelet" { source["host"] = .string(event.host ?? host) }
        let seed = "\(namespace)/\(name)/\(event.reason)/\(event.message)/\(time.timeIntervalSince1970)/\(UInt64.random(in: 0...UInt64.max))"
        let stamp = KubeTime.json(time)
        let record: JSONObject = [
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": ["name": .string("\(name).\(StableID.hex(seed, count: 16))"), "namespace": .string(namespace)],
            "involvedObject": .object(involved),
            "reason": .string(event.reason),
            "message": .string(event.message),
            "source": .object(source),
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": .string(event.type),
            "eventTime": nil,
            "reportingComponent": .string(event.component),
            "reportingInstance": .string(event.component == "kubelet" ? event.host ?? host : ""),
        ]
        return try? store.create(.events, namespace: namespace, record,
                                 options: WriteOptions(user: Self.user(event.component)))
    }

    /// The user a component writes as, as the write log shows it.
    static func user(_ component: String) -> String {
        switch component {
        case "kubelet": return "system:node:kubesim"
        case "default-scheduler": return "system:kube-scheduler"
        default: return "system:serviceaccount:kube-system:\(component)"
        }
    }
}
