import Foundation
import SluiceKube

/// The deployment controller (pkg/controller/deployment): one ReplicaSet per pod template, named
/// `<deployment>-<pod-template-hash>` and owned by the deployment, scaled to `spec.replicas`; a changed
/// template gets a new ReplicaSet and every old one is scaled to zero at once (kept, as revision
/// history). The ReplicaSet controller makes the pods; the deployment's status counts them.
///
/// Level-triggered: `reconcile` reads the deployment, its ReplicaSets and their pods, and acts.
public actor DeploymentController: PodOwnerController {
    static let owner = SimResource.deployments
    public nonisolated let store: ObjectStore
    let clock: SimClock
    let events: EventRecorder

    public init(store: ObjectStore, clock: SimClock = SystemSimClock()) {
        self.store = store
        self.clock = clock
        events = EventRecorder(store: store, host: "")
    }

    /// Reconciles on every deployment, ReplicaSet and pod change until cancelled.
    public func run() async throws {
        try await WatchLoop.follow(store, [.deployments, .replicaSets, .pods]) { event in await self.route(event) }
    }

    /// A pod names its ReplicaSet, which names its deployment.
    func route(_ event: WatchEvent) {
        let object = event.object.object
        let namespace = event.object.namespace ?? "default"
        var set: JSONObject? = event.object.type == .replicaSets ? object : nil
        if event.object.type == .pods, let name = Self.controllerName(of: object, kind: "ReplicaSet") {
            set = store.get(.replicaSets, namespace: namespace, name: name)?.object
        }
        if let set, let deployment = Self.controllerName(of: set, kind: "Deployment") {
            reconcile(namespace: namespace, name: deployment)
        } else if event.object.type == .deployments {
            reconcile(namespace: namespace, name: event.object.name)
        }
    }

    /// Brings one deployment's ReplicaSets and status up to date.
    public func reconcile(namespace: String, name: String) {
        guard let stored = store.get(.deployments, namespace: namespace, name: name), let uid = stored.uid else { return }
        let deployment = stored.object
        if deployment.metadataString("deletionTimestamp") != nil { return }
        let template = deployment["spec"]?["template"]?.objectValue ?? JSONObject()
        let hash = Self.templateHash(template)
        let replicaSetName = "\(name)-\(hash)"
        let wanted = Int(deployment["spec"]?["replicas"]?.intValue ?? 1)
        let sets = store.list(.replicaSets, namespace: namespace).items.map(\.object).filter { Self.isOwned($0, by: uid) }
        let now = clock.now()
        for set in sets where set.metadataString("name") != replicaSetName {
            scale(set, to: 0, deployment: deployment, now: now)
        }
        if let current = sets.first(where: { $0.metadataString("name") == replicaSetName }) {
            scale(current, to: wanted, deployment: deployment, now: now)
        } else {
            let revision = sets.compactMap { $0["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue.flatMap(Int.init) }
                .max().map { $0 + 1 } ?? 1
            let set = Self.replicaSet(deployment, template: template, hash: hash, replicas: wanted, revision: revision)
            if (try? store.create(.replicaSets, namespace: namespace, set, options: WriteOptions(user: Self.user))) != nil {
                events.record(SimEvent(reason: "ScalingReplicaSet", message: "Scaled up replica set \(replicaSetName) to \(wanted)",
                                       component: "deployment-controller"), about: deployment, at: now)
            }
        }
        let owned = Set(store.list(.replicaSets, namespace: namespace).items.filter { Self.isOwned($0.object, by: uid) }.compactMap(\.uid))
        let currentUID = store.get(.replicaSets, namespace: namespace, name: replicaSetName)?.uid
        let pods = store.list(.pods, namespace: namespace).items.map(\.object).filter(Self.isActive)
        let current = pods.filter { pod in currentUID.map { Self.isOwned(pod, by: $0) } ?? false }
        let old = pods.filter { pod in owned.contains { $0 != currentUID && Self.isOwned(pod, by: $0) } }
        let status = DeploymentStatusDocument.make(deployment: deployment, wanted: wanted, current: current, oldCount: old.count,
                                                   replicaSetName: replicaSetName, now: now)
        if status != deployment["status"]?.objectValue {
            _ = try? store.modify(.deployments, namespace: namespace, name: name, subresource: .status,
                                  options: WriteOptions(user: Self.user)) { object in
                object["status"] = .object(status)
            }
        }
    }

    /// Sets a ReplicaSet's replicas, with the ScalingReplicaSet event (pkg/controller/deployment/sync.go).
    func scale(_ set: JSONObject, to replicas: Int, deployment: JSONObject, now: Date) {
        let from = Int(set["spec"]?["replicas"]?.intValue ?? 0)
        guard from != replicas, let name = set.metadataString("name") else { return }
        _ = try? store.modify(.replicaSets, namespace: set.metadataString("namespace"), name: name,
                              options: WriteOptions(user: Self.user)) { $0["spec"]?["replicas"] = .int(Int64(replicas)) }
        let direction = replicas > from ? "up" : "down"
        events.record(SimEvent(reason: "ScalingReplicaSet", message: "Scaled \(direction) replica set \(name) to \(replicas) from \(from)",
                               component: "deployment-controller"), about: deployment, at: now)
    }

    /// The ReplicaSet for the current template: its pods carry `pod-template-hash`, and so does its selector.
    static func replicaSet(_ deployment: JSONObject, template: JSONObject, hash: String, replicas: Int, revision: Int) -> JSONObject {
        let name = deployment.metadataString("name") ?? ""
        var podTemplate = template
        var podMeta = template["metadata"]?.objectValue ?? JSONObject()
        var labels = podMeta["labels"]?.objectValue ?? JSONObject()
        labels["pod-template-hash"] = .string(hash)
        podMeta["labels"] = .object(labels)
        podTemplate["metadata"] = .object(podMeta)
        var selector = deployment["spec"]?["selector"]?.objectValue ?? JSONObject()
        var matchLabels = selector["matchLabels"]?.objectValue ?? JSONObject()
        matchLabels["pod-template-hash"] = .string(hash)
        selector["matchLabels"] = .object(matchLabels)
        let meta: JSONObject = [
            "name": .string("\(name)-\(hash)"), "namespace": deployment["metadata"]?["namespace"] ?? "default",
            "labels": .object(labels),
            "annotations": ["deployment.kubernetes.io/desired-replicas": .string(String(replicas)),
                            "deployment.kubernetes.io/max-replicas": .string(String(replicas + (replicas + 3) / 4)),
                            "deployment.kubernetes.io/revision": .string(String(revision))],
            "ownerReferences": [["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(name),
                                 "uid": deployment["metadata"]?["uid"] ?? "", "controller": true, "blockOwnerDeletion": true]],
        ]
        return ["apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": .object(meta),
                "spec": ["replicas": .int(Int64(replicas)), "selector": .object(selector), "template": .object(podTemplate)]]
    }

    static let user = "system:serviceaccount:kube-system:deployment-controller"

    /// A stable 10-character hash of the pod template, spelled like the real `pod-template-hash`.
    static func templateHash(_ template: JSONObject) -> String {
        StableID.suffix(String(decoding: JSONValue.object(template).serialized(), as: UTF8.self), count: 10)
    }

    static func isOwned(_ object: JSONObject, by uid: String) -> Bool {
        (object["metadata"]?["ownerReferences"]?.arrayValue ?? []).contains {
            $0["uid"]?.stringValue == uid && $0["controller"]?.boolValue == true
        }
    }

    /// The name of the object's controller of `kind`, if it has one.
    static func controllerName(of object: JSONObject, kind: String) -> String? {
        (object["metadata"]?["ownerReferences"]?.arrayValue ?? []).first {
            $0["kind"]?.stringValue == kind && $0["controller"]?.boolValue == true
        }?["name"]?.stringValue
    }

    /// Counted by the ReplicaSet controller: not terminating and not ended.
    static func isActive(_ pod: JSONObject) -> Bool {
        let phase = pod["status"]?["phase"]?.stringValue
        return pod.metadataString("deletionTimestamp") == nil && phase != "Succeeded" && phase != "Failed"
    }

    static func isReady(_ pod: JSONObject) -> Bool {
        (pod["status"]?["conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }
}
