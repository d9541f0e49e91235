import Foundation
import SluiceKube

/// Keeps each Deployment's pods at `spec.replicas` and its status current, like the deployment and
/// ReplicaSet controllers together (without ReplicaSet objects): pods are owned by the deployment
/// (`controller: true`), labelled from the template plus `pod-template-hash`, and a changed template
/// replaces every old pod at once.
///
/// Level-triggered: `reconcile` reads the deployment and its pods, creates or deletes pods, writes status;
/// repeating it changes nothing.
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

    /// Reconciles on every deployment and pod change until cancelled.
    public func run() async throws { try await follow() }

    /// Brings one deployment's pods and status up to date.
    public func reconcile(namespace: String, name: String) {
        guard let stored = store.get(.deployments, namespace: namespace, name: name), let uid = stored.uid else { return }
        let deployment = stored.object
        if deployment.metadataString("deletionTimestamp") != nil { return }
        let template = deployment["spec"]?["template"]?.objectValue ?? JSONObject()
        let hash = Self.templateHash(template)
        let replicaSetName = "\(name)-\(hash)"
        let wanted = Int(deployment["spec"]?["replicas"]?.intValue ?? 1)
        let owned = store.list(.pods, namespace: namespace).items.map(\.object).filter { Self.isOwned($0, by: uid) }
        let active = owned.filter(Self.isActive)
        let old = active.filter { $0["metadata"]?["labels"]?["pod-template-hash"]?.stringValue != hash }
        var current = active.filter { $0["metadata"]?["labels"]?["pod-template-hash"]?.stringValue == hash }
        let now = clock.now()

        for pod in old { delete(pod) }
        if current.count < wanted {
            for _ in current.count..<wanted {
                if let pod = try? store.create(.pods, namespace: namespace, Self.pod(from: template, deployment: deployment, hash: hash),
                                               options: WriteOptions(user: Self.user)) {
                    current.append(pod.object)
                }
            }
            events.record(SimEvent(reason: "ScalingReplicaSet",
                                   message: "Scaled up replica set \(replicaSetName) from \(active.count - old.count) to \(wanted)",
                                   component: "deployment-controller"), about: deployment, at: now)
        } else if current.count > wanted {
            // Not-ready pods go first, then the newest, as the ReplicaSet controller prefers.
            let doomed = current.sorted { a, b in
                let (ra, rb) = (Self.isReady(a), Self.isReady(b))
                if ra != rb { return !ra }
                return (a.metadataString("creationTimestamp") ?? "") > (b.metadataString("creationTimestamp") ?? "")
            }.prefix(current.count - wanted)
            for pod in doomed { delete(pod) }
            let names = Set(doomed.compactMap { $0.metadataString("name") })
            current.removeAll { names.contains($0.metadataString("name") ?? "") }
            events.record(SimEvent(reason: "ScalingReplicaSet",
                                   message: "Scaled down replica set \(replicaSetName) from \(current.count + names.count) to \(wanted)",
                                   component: "deployment-controller"), about: deployment, at: now)
        }
        let status = DeploymentStatusDocument.make(deployment: deployment, wanted: wanted, current: current, oldCount: old.count,
                                           replicaSetName: replicaSetName, now: now)
        if status != deployment["status"]?.objectValue {
            _ = try? store.modify(.deployments, namespace: namespace, name: name, subresource: .status,
                                  options: WriteOptions(user: Self.user)) { object in
                object["status"] = .object(status)
            }
        }
    }

    static let user = "system:serviceaccount:kube-system:deployment-controller"

    func delete(_ pod: JSONObject) {
        guard let name = pod.metadataString("name") else { return }
        _ = try? store.delete(.pods, namespace: pod.metadataString("namespace"), name: name,
                              options: DeleteOptions(preconditionUID: pod.metadataString("uid"), write: WriteOptions(user: Self.user)))
    }

    /// A new pod from the template: its labels plus `pod-template-hash`, owned by the deployment.
    static func pod(from template: JSONObject, deployment: JSONObject, hash: String) -> JSONObject {
        let name = deployment.metadataString("name") ?? ""
        return OwnedPod.make(from: template, owner: deployment, apiVersion: "apps/v1", kind: "Deployment",
                             generateName: "\(name)-\(hash)-", labels: ["pod-template-hash": .string(hash)])
    }

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
