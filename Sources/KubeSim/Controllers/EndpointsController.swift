import Foundation
import SluiceKube

/// Keeps a v1 Endpoints object beside each Service that has a selector: the addresses of the matching
/// pods, ready ones under `addresses`, the others under `notReadyAddresses`, with the service's ports.
/// Services without a selector keep whatever Endpoints their owner writes.
public actor EndpointsController {
    public nonisolated let store: ObjectStore

    public init(store: ObjectStore) {
        self.store = store
    }

    /// Reconciles on every service and pod change until cancelled.
    public func run() async throws {
        try await WatchLoop.follow(store, [.services, .pods]) { event in
            await self.handle(event)
        }
    }

    func handle(_ event: WatchEvent) {
        let namespace = event.object.namespace ?? "default"
        if event.object.type == .services {
            if event.type == .deleted {
                removeEndpoints(namespace: namespace, name: event.object.name, selectorOnly: event.object.object)
            } else {
                reconcile(namespace: namespace, name: event.object.name)
            }
        } else {
            for service in store.list(.services, namespace: namespace).items { reconcile(namespace: namespace, name: service.name) }
        }
    }

    public func reconcileAll() {
        for s in store.list(.services, namespace: nil).items { reconcile(namespace: s.namespace ?? "default", name: s.name) }
    }

    /// Writes the Endpoints of one service when they differ from what is stored.
    public func reconcile(namespace: String, name: String) {
        guard let service = store.get(.services, namespace: namespace, name: name)?.object,
              let selector = service["spec"]?["selector"]?.objectValue, !selector.isEmpty else { return }
        let pods = store.list(.pods, namespace: namespace).items.map(\.object).filter { pod in
            let labels = pod.labels
            return selector.allSatisfy { labels[$0.key] == $0.value.stringValue }
        }
        var endpoints: JSONObject = [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
        ]
        if let labels = service["metadata"]?["labels"] { endpoints["metadata"]?["labels"] = labels }
        if let subset = Self.subset(service: service, pods: pods) { endpoints["subsets"] = [subset] }
        let user = WriteOptions(user: "system:serviceaccount:kube-system:endpoint-controller")
        if let existing = store.get(.endpoints, namespace: namespace, name: name)?.object {
            guard existing["subsets"] != endpoints["subsets"] || existing["metadata"]?["labels"] != endpoints["metadata"]?["labels"]
            else { return }
            _ = try? store.modify(.endpoints, namespace: namespace, name: name, options: user) { object in
                object["subsets"] = endpoints["subsets"]
                object["metadata"]?["labels"] = endpoints["metadata"]?["labels"]
            }
        } else {
            _ = try? store.create(.endpoints, namespace: namespace, endpoints, options: user)
        }
    }

    func removeEndpoints(namespace: String, name: String, selectorOnly service: JSONObject) {
        guard service["spec"]?["selector"]?.objectValue?.isEmpty == false else { return }
        _ = try? store.delete(.endpoints, namespace: namespace, name: name)
    }

    /// The one subset of a service: pods with an address, split by readiness; nil when there are none.
    static func subset(service: JSONObject, pods: [JSONObject]) -> JSONValue? {
        var ready: [(String, JSONValue)] = []
        var notReady: [(String, JSONValue)] = []
        for pod in pods {
            let phase = pod["status"]?["phase"]?.stringValue
            guard let ip = pod["status"]?["podIP"]?.stringValue, phase != "Succeeded", phase != "Failed" else { continue }
            var address: JSONObject = ["ip": .string(ip)]
            if let node = pod["spec"]?["nodeName"] { address["nodeName"] = node }
            address["targetRef"] = [
                "kind": "Pod", "namespace": pod["metadata"]?["namespace"] ?? "default",
                "name": pod["metadata"]?["name"] ?? "", "uid": pod["metadata"]?["uid"] ?? "",
            ]
            let isReady = pod.metadataString("deletionTimestamp") == nil && DeploymentController.isReady(pod)
            if isReady { ready.append((ip, .object(address))) } else { notReady.append((ip, .object(address))) }
        }
        guard !ready.isEmpty || !notReady.isEmpty else { return nil }
        var subset = JSONObject()
        if !ready.isEmpty { subset["addresses"] = .array(ready.sorted { $0.0 < $1.0 }.map(\.1)) }
        if !notReady.isEmpty { subset["notReadyAddresses"] = .array(notReady.sorted { $0.0 < $1.0 }.map(\.1)) }
        subset["ports"] = .array((service["spec"]?["ports"]?.arrayValue ?? []).map { port in
            var out = JSONObject()
            if let name = port["name"], name.stringValue?.isEmpty == false { out["name"] = name }
            out["port"] = .int(targetPort(port, pods: pods))
            out["protocol"] = port["protocol"] ?? "TCP"
            return .object(out)
        })
        return .object(subset)
    }

    /// A number, a container port's name (looked up in the first pod that declares it), or the service port.
    static func targetPort(_ port: JSONValue, pods: [JSONObject]) -> Int64 {
        let servicePort = port["port"]?.intValue ?? 0
        guard let target = port["targetPort"] else { return servicePort }
        if let number = target.intValue { return number }
        guard let name = target.stringValue else { return servicePort }
        if let number = Int64(name) { return number }
        for pod in pods {
            for container in pod["spec"]?["containers"]?.arrayValue ?? [] {
                for p in container["ports"]?.arrayValue ?? [] where p["name"]?.stringValue == name {
                    if let number = p["containerPort"]?.intValue { return number }
                }
            }
        }
        return servicePort
    }
}
