import ArgumentParser
import SluiceKube
import SluiceRuntime

/// The cluster settings that shape every task pod (spot tolerations and node selector, the accelerator label,
/// the service account): shared by `serve|run --backend kubernetes` and `render`, so a rendered pod is the one
/// the backend would create.
struct PodShapeOptions: ParsableArguments {
    @Option(name: .customLong("service-account"), help: ArgumentHelp("Kubernetes: the service account task pods run as (its token is never mounted).", valueName: "name"))
    var serviceAccount: String?

    @Option(name: .customLong("accelerator-label"), help: ArgumentHelp("Kubernetes: the node label a task's `resources.accelerator` must match.", valueName: "label"))
    var acceleratorLabel: String = "nvidia.com/gpu.product"

    @Option(name: .customLong("interruptible-toleration"), help: ArgumentHelp("Kubernetes: a toleration for interruptible (spot) attempts, KEY[=VALUE][:EFFECT]; repeatable. The last attempt runs without it.", valueName: "toleration"))
    var interruptibleTolerations: [String] = []

    @Option(name: .customLong("interruptible-node-selector"), help: ArgumentHelp("Kubernetes: a node label interruptible attempts are placed by, KEY=VALUE; repeatable. The last attempt runs without it.", valueName: "label"))
    var interruptibleNodeSelector: [String] = []

    /// Whether any was given (compared with the defaults).
    var anyGiven: Bool {
        serviceAccount != nil || acceleratorLabel != Self.defaultAcceleratorLabel || !interruptibleTolerations.isEmpty || !interruptibleNodeSelector.isEmpty
    }

    static let defaultAcceleratorLabel = "nvidia.com/gpu.product"

    func validate() throws {
        _ = try tolerations()
        _ = try nodeSelector()
    }

    /// `settings` with these options applied.
    func apply(to settings: inout KubePodSettings) throws {
        settings.serviceAccountName = serviceAccount
        settings.acceleratorLabel = acceleratorLabel
        settings.interruptibleTolerations = try tolerations()
        settings.interruptibleNodeSelector = try nodeSelector()
    }

    func tolerations() throws -> [JSONValue] {
        try interruptibleTolerations.map { text in
            var rest = Substring(text)
            var effect: String?
            if let colon = rest.lastIndex(of: ":") {
                effect = String(rest[rest.index(after: colon)...])
                rest = rest[..<colon]
                guard ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect!) else {
                    throw ValidationError("--interruptible-toleration \(text): the effect must be NoSchedule, PreferNoSchedule or NoExecute")
                }
            }
            let parts = rest.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = parts.first, !key.isEmpty else {
                throw ValidationError("--interruptible-toleration \(text): expected KEY[=VALUE][:EFFECT], e.g. cloud.google.com/gke-spot=true:NoSchedule")
            }
            var t: JSONObject = ["key": .string(key), "operator": parts.count == 2 ? "Equal" : "Exists"]
            if parts.count == 2 { t["value"] = .string(parts[1]) }
            if let effect { t["effect"] = .string(effect) }
            return .object(t)
        }
    }

    func nodeSelector() throws -> [String: String] {
        var out: [String: String] = [:]
        for text in interruptibleNodeSelector {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--interruptible-node-selector \(text): expected KEY=VALUE, e.g. node.kubernetes.io/lifecycle=spot")
            }
            out[parts[0]] = parts[1]
        }
        return out
    }

    /// The flags that were given, to pass on to a background `sluice resume`.
    var arguments: [String] {
        var a: [String] = []
        if let serviceAccount { a += ["--service-account", serviceAccount] }
        a += ["--accelerator-label", acceleratorLabel]
        for t in interruptibleTolerations { a += ["--interruptible-toleration", t] }
        for s in interruptibleNodeSelector { a += ["--interruptible-node-selector", s] }
        return a
    }
}
