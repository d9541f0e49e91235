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
    /// The uid and gid a task runs as when it sets no `user:` (the distroless `nonroot` user).
    public var defaultUser: Int64
    /// The labels the run was submitted with (checked by `RunLabels` at submit); set per run by the backend, like
    /// `flowName`. They go on every pod of the run, under the task's and node's labels and Sluice's own.
    public var runLabels: [String: String]

    public init(namespace: String, storeID: String = "", flowName: String? = nil,
                interruptibleTolerations: [JSONValue] = [], interruptibleNodeSelector: [String: String] = [:],
                acceleratorLabel: String = "nvidia.com/gpu.product", serviceAccountName: String? = nil,
                defaultUser: Int64 = 65532, runLabels: [String: String] = [:]) {
        self.runLabels = runLabels
        self.namespace = namespace
        self.storeID = storeID
        self.flowName = flowName
        self.interruptibleTolerations = interruptibleTolerations
        self.interruptibleNodeSelector = interruptibleNodeSelector
        self.acceleratorLabel = acceleratorLabel
        self.serviceAccountName = serviceAccountName
        self.defaultUser = defaultUser
    }
}

/// How one attempt becomes a pod plus the Secret that carries its inputs and callback token.
///
/// The pod is named `spec.name` (a DNS-1123 label, ≤ 63 characters, hash suffix when cut), so a second create
/// of the same attempt meets the first (409) and adopts it. The Secret has the pod's name. The pieces are built
/// by idea: metadata (`+Metadata`), the task container (`+Container`), resources and placement
/// (`+Resources`), security defaults (`+Security`) and raw pod templates (`+Template`).
public struct PodPlan: Sendable {
    public static let managedLabel = "sluice.dev/managed"
    public static let runLabel = "sluice.dev/run"
    public static let nodeLabel = "sluice.dev/node"
    public static let attemptLabel = "sluice.dev/attempt"
    public static let purposeLabel = "sluice.dev/purpose"
    public static let storeLabel = "sluice.dev/store"
    public static let flowLabel = "sluice.dev/flow"
    public static let stepLabel = "sluice.dev/step"
    /// The exact run id (the `run` label holds it made label-safe when it is not a valid label value).
    public static let runIDAnnotation = "sluice.dev/run-id"
    /// The exact node id (`sub/train[3]`); the `node` label holds it label-safe.
    public static let nodeIDAnnotation = "sluice.dev/node-id"
    /// Where the task's outputs file is, and the container's terminationMessagePath.
    public static let outputsPath = "/sluice/outputs.json"
    /// Where the Secret with `inputs.json` is mounted.
    public static let inputsPath = "/sluice/in/inputs.json"
    /// The name of the container that runs the task (container tasks; pod tasks name their primary container).
    public static let taskContainer = "task"

    public let podName: String
    /// A complete v1 Pod.
    public let pod: JSONObject
    /// A complete v1 Secret (inputs.json and the callback token), named like the pod.
    public let secret: JSONObject

    /// The attempt a pod's metadata names, or nil for someone else's pod. The exact run and node ids are read
    /// from the `sluice.dev/run-id` and `sluice.dev/node-id` annotations when present (labels hold them
    /// label-safe), else from the labels (pods made before the annotations existed).
    public static func ref(labels: [String: String], annotations: [String: String] = [:]) -> (runID: String, ref: AttemptRef)? {
        guard labels[managedLabel] == "true", let run = annotations[runIDAnnotation] ?? labels[runLabel],
              let node = annotations[nodeIDAnnotation] ?? labels[nodeLabel],
              let attempt = labels[attemptLabel].flatMap({ Int($0) }) else { return nil }
        return (run, AttemptRef(node: node, attempt: attempt, purpose: labels[purposeLabel] == "revert" ? .revert : .run))
    }

    /// The attempt a pod's metadata names (labels and annotations), or nil for someone else's pod.
    public static func ref(metadata: ObjectMeta) -> (runID: String, ref: AttemptRef)? {
        ref(labels: metadata.labels, annotations: metadata.annotations)
    }

    /// The label selector that finds every pod of a run (`sluice.dev/run=<label-safe id>`).
    public static func runSelector(_ runID: String) -> String {
        "\(managedLabel)=true,\(runLabel)=\(KubeName.labelValue(runID))"
    }

    /// Builds the pod for `spec`; `environment` holds the controller's extra variables (callback URL and
    /// token: the token goes into the Secret, never inline). Throws, naming the task's field, what cannot be
    /// honoured on Kubernetes.
    public init(_ spec: AttemptSpec, environment: [String: String], settings: KubePodSettings) throws(BackendError) {
        if let problem = KubernetesName.dns1123LabelProblem(spec.name) {
            throw BackendError("attempt name '\(spec.name)' \(problem)", kind: .system)
        }
        podName = spec.name
        // The compiler checks these; a flow stored before it did must still fail as the task's fault, not the API's.
        for (k, v) in spec.labels.merging(settings.runLabels, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) {
            if let problem = RunLabels.problem(key: k, value: v) { throw BackendError("task '\(spec.task.name)': labels: \(problem)", kind: .user) }
        }
        for k in spec.task.annotations.keys.sorted() where RunLabels.problem(key: k, value: "") != nil {
            throw BackendError("task '\(spec.task.name)': annotations: '\(k)' is not a valid annotation key", kind: .user)
        }
        let meta = Self.metadata(spec, settings: settings, name: podName)
        var podSpec: JSONObject
        switch spec.task.runtime {
        case .container(let c):
            podSpec = ["containers": [.object(try Self.taskContainer(spec, c, environment: environment, name: podName))]]
        case .pod(let template, let primary):
            podSpec = try Self.mergedTemplate(spec, template, primary: primary, environment: environment, name: podName)
        case .plugin(let type, _):
            throw BackendError("task '\(spec.task.name)' is a plugin task (type: \(type)); the Kubernetes backend runs container and pod tasks only",
                               kind: .user)
        }
        Self.addSluiceVolumes(&podSpec, spec, name: podName)
        try Self.applyPlacement(&podSpec, spec, settings: settings)
        try Self.applySecurity(&podSpec, spec, settings: settings)
        podSpec["restartPolicy"] = "Never"
        if let account = settings.serviceAccountName { podSpec["serviceAccountName"] = .string(account) }
        pod = ["apiVersion": "v1", "kind": "Pod", "metadata": .object(meta), "spec": .object(podSpec)]
        secret = Self.secret(spec, environment: environment, meta: meta)
    }

    /// The attempt's Secret: `inputs.json` (mounted at `inputsPath`) and the callback `token` (given to the task
    /// through `secretKeyRef`). Labelled like the pod so the backend finds and deletes both together.
    static func secret(_ spec: AttemptSpec, environment: [String: String], meta: JSONObject) -> JSONObject {
        var data: JSONObject = ["inputs.json": .string(Data(spec.inputsJSON.utf8).base64EncodedString())]
        if let token = environment["SLUICE_CALLBACK_TOKEN"] { data["token"] = .string(Data(token.utf8).base64EncodedString()) }
        var secretMeta = meta
        _ = secretMeta.removeValue(forKey: "annotations")
        if let a = meta["annotations"]?.objectValue {
            var kept = JSONObject()
            for (k, v) in a where k.hasPrefix("sluice.dev/") { kept[k] = v }
            secretMeta["annotations"] = .object(kept)
        }
        return ["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": .object(secretMeta), "data": .object(data)]
    }
}
