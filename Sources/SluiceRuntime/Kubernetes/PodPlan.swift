import Foundation
import SluiceEngine
import SluiceKube
import SluiceModel

/// Cluster-wide settings the pods of every attempt share (from `serve`/`run` flags and the chart's values).
public struct KubePodSettings: Sendable, Hashable {
    /// Where pods and their Secrets are created.
    public var namespace: String
    /// The store's short id (`sluice.dev/store` label), so two controllers with their own stores in one
    /// namespace never adopt each other's pods.
    public var storeID: String
    /// The flow's name (`sluice.dev/flow` label); set per run by the backend.
    public var flowName: String?
    /// Tolerations added to interruptible attempts (spot nodes); never to the last attempt.
    public var interruptibleTolerations: [JSONValue]
    /// Node selector added to interruptible attempts.
    public var interruptibleNodeSelector: [String: String]
    /// The node label an accelerator (`resources.accelerator`) is matched against with required node affinity.
    public var acceleratorLabel: String
    /// The service account pods run as (nil: the namespace's default; the token is never mounted).
    public var serviceAccountName: String?

    public init(namespace: String, storeID: String = "", flowName: String? = nil,
                interruptibleTolerations: [JSONValue] = [], interruptibleNodeSelector: [String: String] = [:],
                acceleratorLabel: String = "nvidia.com/gpu.product", serviceAccountName: String? = nil) {
        self.namespace = namespace
        self.storeID = storeID
        self.flowName = flowName
        self.interruptibleTolerations = interruptibleTolerations
        self.interruptibleNodeSelector = interruptibleNodeSelector
        self.acceleratorLabel = acceleratorLabel
        self.serviceAccountName = serviceAccountName
    }
}

/// How one attempt becomes a pod plus the Secret that carries its inputs and callback token.
///
/// The pod is named `spec.name` made DNS-1123-safe (≤ 63 characters, hash suffix when cut), so a second
/// create of the same attempt meets the first (409) and adopts it. The Secret has the pod's name.
public struct PodPlan: Sendable {
    public static let managedLabel = "sluice.dev/managed"
    public static let runLabel = "sluice.dev/run"
    public static let nodeLabel = "sluice.dev/node"
    public static let attemptLabel = "sluice.dev/attempt"
    public static let purposeLabel = "sluice.dev/purpose"
    public static let storeLabel = "sluice.dev/store"
    /// Where the task's outputs file is, and the container's terminationMessagePath.
    public static let outputsPath = "/sluice/outputs.json"
    /// Where the Secret with `inputs.json` is mounted.
    public static let inputsPath = "/sluice/in/inputs.json"

    public let podName: String
    /// A complete v1 Pod.
    public let pod: JSONObject
    /// A complete v1 Secret (inputs.json and the callback token), named like the pod.
    public let secret: JSONObject

    /// The attempt a pod's labels name, or nil for someone else's pod.
    public static func ref(labels: [String: String]) -> (runID: String, ref: AttemptRef)? {
        guard labels[managedLabel] == "true", let run = labels[runLabel], let node = labels[nodeLabel],
              let attempt = labels[attemptLabel].flatMap({ Int($0) }) else { return nil }
        return (run, AttemptRef(node: node, attempt: attempt, purpose: labels[purposeLabel] == "revert" ? .revert : .run))
    }

    /// Builds the pod for `spec`; `environment` holds the controller's extra variables (callback URL and
    /// token: the token goes into the Secret, never inline). Throws, naming the task's field, what cannot be
    /// honoured on Kubernetes.
    public init(_ spec: AttemptSpec, environment: [String: String], settings: KubePodSettings) throws(BackendError) {
        // Placeholder: replaced by the full builder (resources, placement, security, pod templates).
        guard case .container(let c) = spec.task.runtime else {
            throw BackendError("task '\(spec.task.name)' is not a container task", kind: .user)
        }
        guard let image = spec.image ?? c.image, !image.isEmpty else {
            throw BackendError("task '\(spec.task.name)' has no image; on Kubernetes every task runs in its image", kind: .user)
        }
        podName = spec.name
        var labels: [String: String] = [Self.managedLabel: "true", Self.runLabel: spec.runID, Self.nodeLabel: spec.ref.node,
                                        Self.attemptLabel: String(spec.ref.attempt),
                                        Self.purposeLabel: spec.ref.purpose == .revert ? "revert" : "run"]
        if !settings.storeID.isEmpty { labels[Self.storeLabel] = settings.storeID }
        var meta: JSONObject = ["name": .string(podName), "namespace": .string(settings.namespace)]
        var labelObject = JSONObject()
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { labelObject[k] = .string(v) }
        meta["labels"] = .object(labelObject)
        var env: [JSONValue] = [
            ["name": "SLUICE_RUN_ID", "value": .string(spec.runID)],
            ["name": "SLUICE_NODE_ID", "value": .string(spec.ref.node)],
            ["name": "SLUICE_ATTEMPT", "value": .string(String(spec.ref.attempt))],
            ["name": "SLUICE_INPUTS", "value": .string(Self.inputsPath)],
            ["name": "SLUICE_OUTPUTS", "value": .string(Self.outputsPath)],
        ]
        for e in spec.env { env.append(["name": .string(e.name), "value": .string(e.value)]) }
        let container: JSONObject = [
            "name": "task", "image": .string(image),
            "command": .array(spec.command.map { .string($0) }),
            "env": .array(env),
            "terminationMessagePath": .string(Self.outputsPath),
            "terminationMessagePolicy": "File",
            "volumeMounts": [["name": "sluice-in", "mountPath": "/sluice/in", "readOnly": true]],
        ]
        pod = ["apiVersion": "v1", "kind": "Pod", "metadata": .object(meta),
               "spec": ["restartPolicy": "Never", "automountServiceAccountToken": false,
                        "containers": [.object(container)],
                        "volumes": [["name": "sluice-in", "secret": ["secretName": .string(podName)]]]]]
        var data: JSONObject = ["inputs.json": .string(Data(spec.inputsJSON.utf8).base64EncodedString())]
        if let token = environment["SLUICE_CALLBACK_TOKEN"] { data["token"] = .string(Data(token.utf8).base64EncodedString()) }
        secret = ["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": .object(meta), "data": .object(data)]
    }
}
