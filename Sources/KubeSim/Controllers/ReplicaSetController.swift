import Foundation
import SluiceKube

/// The ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` pods of the template,
/// owned by the ReplicaSet, and writes its status; removes not-ready pods first, then the newest.
public actor ReplicaSetController: PodOwnerController {
    static let owner = SimResource.replicaSets
    static let user = "system:serviceaccount:kube-system:replicaset-controller"
    public nonisolated let store: ObjectStore
    let clock: SimClock
    let events: EventRecorder

    public init(store: ObjectStore, clock: SimClock = SystemSimClock()) {
        self.store = store
        self.clock = clock
        events = EventRecorder(store: store, host: "")
    }

    public func run() async throws { try await follow() }

    public func reconcile(namespace: String, name: String) {
        guard let stored = store.get(.replicaSets, namespace: namespace, name: name), let uid = stored.uid else { return }
        let set = stored.object
        if set.metadataString("deletionTimestamp") != nil { return }
        let wanted = Int(set["spec"]?["replicas"]?.intValue ?? 1)
        var active = store.list(.pods, namespace: namespace).items.map(\.object)
            .filter { DeploymentController.isOwned($0, by: uid) && DeploymentController.isActive($0) }
        let now = clock.now()
        if active.count < wanted {
            let template = set["spec"]?["template"]?.objectValue ?? JSONObject()
            for _ in active.count..<wanted {
                let pod = OwnedPod.make(from: template, owner: set, apiVersion: "apps/v1", kind: "ReplicaSet", generateName: "\(name)-")
                guard let created = try? store.create(.pods, namespace: namespace, pod, options: WriteOptions(user: Self.user)) else { continue }
                active.append(created.object)
                events.record(SimEvent(reason: "SuccessfulCreate", message: "Created pod: \(created.name)", component: "replicaset-controller"),
                              about: set, at: now)
            }
        } else if active.count > wanted {
            let doomed = active.sorted { a, b in
                let (ra, rb) = (DeploymentController.isReady(a), DeploymentController.isReady(b))
                if ra != rb { return !ra }
                return (a.metadataString("creationTimestamp") ?? "") > (b.metadataString("creationTimestamp") ?? "")
            }.prefix(active.count - wanted)
            for pod in doomed {
                guard let podName = pod.metadataString("name") else { continue }
                _ = try? store.delete(.pods, namespace: namespace, name: podName,
                                      options: DeleteOptions(preconditionUID: pod.metadataString("uid"), write: WriteOptions(user: Self.user)))
                events.record(SimEvent(reason: "SuccessfulDelete", message: "Deleted pod: \(podName)", component: "replicaset-controller"),
                              about: set, at: now)
            }
            let names = Set(doomed.compactMap { $0.metadataString("name") })
            active.removeAll { names.contains($0.metadataString("name") ?? "") }
        }
        let ready = active.filter(DeploymentController.isReady).count
        var status: JSONObject = ["replicas": .int(Int64(active.count)), "fullyLabeledReplicas": .int(Int64(active.count))]
        if active.isEmpty { status["fullyLabeledReplicas"] = nil }
        if ready > 0 {
            status["readyReplicas"] = .int(Int64(ready))
            status["availableReplicas"] = .int(Int64(ready))
        }
        status["observedGeneration"] = set["metadata"]?["generation"] ?? 1
        if status != set["status"]?.objectValue {
            _ = try? store.modify(.replicaSets, namespace: namespace, name: name, subresource: .status,
                                  options: WriteOptions(user: Self.user)) { $0["status"] = .object(status) }
        }
    }
}
