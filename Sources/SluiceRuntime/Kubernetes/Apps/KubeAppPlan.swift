import Foundation
import SluiceEngine
import SluiceKube
import SluiceModel

/// The objects one app becomes on Kubernetes: a ConfigMap `sluice-app-NAME` carrying the spec, which owns a
/// Deployment and a ClusterIP Service both named NAME (deleting the ConfigMap lets the garbage collector remove
/// both). Pods get the same security defaults and resource rendering as task pods (`PodPlan`).
///
/// `specHash` covers the spec and everything rendered but the replica count: a redeploy whose hash matches the one annotated on
/// the Deployment writes nothing (or only `spec.replicas`); a different hash replaces the template and the
/// Deployment rolls its pods over.
public struct KubeAppPlan: Sendable {
    public static let appLabel = "sluice.dev/app"
    public static let specHashAnnotation = "sluice.dev/spec-hash"
    /// The container that runs the app (`apps logs` reads its log).
    public static let container = "app"
    /// The container port's name; the Service and the probes refer to it.
    public static let portName = "http"

    public let name: String
    public let namespace: String
    /// The owner ConfigMap (without uid: its uid goes into the others' ownerReferences once it exists).
    public let owner: JSONObject
    /// The Deployment without `metadata.ownerReferences` (see `owned(_:ownerUID:)`).
    public let deployment: JSONObject
    public let service: JSONObject
    /// An Ingress to the Service, when the server makes them (`serve --app-ingress-host`) and the app is public.
    public let ingress: JSONObject?
    public let specHash: String

    public static func ownerName(_ app: String) -> String { "sluice-app-\(app)" }

    /// The label selector of every object (and pod) of app `name` of this store.
    public static func selector(_ name: String, storeID: String) -> String {
        "\(PodPlan.managedLabel)=true,\(PodPlan.storeLabel)=\(KubeName.labelValue(storeID)),\(appLabel)=\(name)"
    }

    /// Where an Ingress sends a host's requests: the host (a DNS name) and the IngressClass (nil: the cluster's default).
    public struct IngressRoute: Sendable, Hashable {
        public var host: String
        public var className: String?

        public init(host: String, className: String? = nil) {
            self.host = host
            self.className = className
        }
    }

    /// Renders `spec` running `replicas` replicas, with an Ingress for `ingress` when the app is public (a private
    /// app is reached only through the gateway, which checks tokens); throws, naming the field, what Kubernetes
    /// cannot honour.
    public init(_ spec: AppSpec, replicas: Int, settings: KubePodSettings, ingress route: IngressRoute? = nil) throws(AppRuntimeError) {
        name = spec.name
        namespace = settings.namespace
        try Self.check(spec)
        let labels = Self.labels(spec.name, settings: settings)
        var podSpec: JSONObject
        do { podSpec = try Self.podSpec(spec, settings: settings) } catch { throw .invalid(error.message) }
        let selector: JSONObject = [PodPlan.managedLabel: "true", PodPlan.storeLabel: .string(KubeName.labelValue(settings.storeID)),
                                    Self.appLabel: .string(spec.name)]
        podSpec["restartPolicy"] = "Always"
        let template: JSONObject = ["metadata": ["labels": PodPlan.object(labels)], "spec": .object(podSpec)]
        var deploymentSpec: JSONObject = [
            "selector": ["matchLabels": .object(selector)],
            // New pods come up before old ones go: the app keeps serving through an update.
            "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 0, "maxSurge": 1]],
            "revisionHistoryLimit": 3,
            "template": .object(template),
        ]
        let serviceSpec: JSONObject = [
            "type": "ClusterIP", "selector": .object(selector),
            "ports": [["name": .string(Self.portName), "port": .int(Int64(spec.port)), "targetPort": .string(Self.portName), "protocol": "TCP"]],
        ]
        var ingressSpec: JSONObject?
        if let route, spec.isPublic {
            let backend: JSONObject = ["service": ["name": .string(spec.name), "port": ["name": .string(Self.portName)]]]
            var s: JSONObject = [:]
            if let className = route.className { s["ingressClassName"] = .string(className) }
            s["rules"] = [["host": .string(route.host),
                           "http": ["paths": [["path": "/", "pathType": "Prefix", "backend": .object(backend)]]]]]
            ingressSpec = s
        }
        let specJSON = (try? JSONEncoder.sorted.encode(spec)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        // The spec itself too: a changed replica policy alone leaves the template as it is (no rollout) but must
        // reach the ConfigMap that carries the spec.
        var hashedParts: [JSONValue] = [.object(deploymentSpec), .object(serviceSpec), .string(specJSON)]
        if let ingressSpec { hashedParts.append(.object(ingressSpec)) }
        let hashed = JSONValue.array(hashedParts).serialized()
        specHash = String(FNV1a.hash(hashed), radix: 16)
        deploymentSpec["replicas"] = .int(Int64(replicas))
        let annotations: JSONObject = [Self.specHashAnnotation: .string(specHash)]
        func meta(_ name: String) -> JSONObject {
            ["name": .string(name), "namespace": .string(settings.namespace), "labels": PodPlan.object(labels), "annotations": .object(annotations)]
        }
        owner = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(meta(Self.ownerName(spec.name))),
                 "data": ["spec.json": .string(specJSON)]]
        deployment = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(meta(spec.name)), "spec": .object(deploymentSpec)]
        service = ["apiVersion": "v1", "kind": "Service", "metadata": .object(meta(spec.name)), "spec": .object(serviceSpec)]
        ingress = ingressSpec.map { ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": .object(meta(spec.name)), "spec": .object($0)] }
    }

    /// `object` owned by the ConfigMap with `ownerUID`, so the garbage collector deletes it with the ConfigMap.
    public func owned(_ object: JSONObject, ownerUID: String) -> JSONObject {
        var out = object
        out["metadata"]?["ownerReferences"] = [["apiVersion": "v1", "kind": "ConfigMap", "name": .string(Self.ownerName(name)),
                                                "uid": .string(ownerUID), "controller": true, "blockOwnerDeletion": true]]
        return out
    }

    static func labels(_ app: String, settings: KubePodSettings) -> [String: String] {
        [PodPlan.managedLabel: "true", PodPlan.storeLabel: KubeName.labelValue(settings.storeID), appLabel: app,
         "app.kubernetes.io/name": app, "app.kubernetes.io/managed-by": "sluice"]
    }

    /// What the local backend would accept but Kubernetes cannot do, refused rather than ignored.
    static func check(_ spec: AppSpec) throws(AppRuntimeError) {
        guard let image = spec.image, !image.isEmpty else {
            throw .invalid("app '\(spec.name)' has no image; on Kubernetes every app runs in its image (set image:)")
        }
        if let first = spec.name.unicodeScalars.first, !("a"..."z").contains(first) {
            throw .invalid("app '\(spec.name)': on Kubernetes an app's name must start with a letter (it names its Service)")
        }
        if !(1...65535).contains(spec.port) {
            throw .invalid("app '\(spec.name)': port \(spec.port) is not a container port (1-65535)")
        }
        if let problem = reservedSecretVariable(spec) { throw .invalid(problem) }
    }

    /// The pod template's spec: the app container with probes from the health check, its secrets, the security
    /// defaults of task pods, accelerator placement, `/dev/shm` when asked.
    static func podSpec(_ spec: AppSpec, settings: KubePodSettings) throws(BackendError) -> JSONObject {
        let owner = "app '\(spec.name)'"
        var container: JSONObject = ["name": .string(container), "image": .string(spec.image ?? "")]
        if !spec.command.isEmpty {
            container["command"] = .array(spec.command.map { .string(PodPlan.literal($0)) })
        }
        if !spec.args.isEmpty { container["args"] = .array(spec.args.map { .string(PodPlan.literal($0)) }) }
        container["ports"] = [["name": .string(portName), "containerPort": .int(Int64(spec.port)), "protocol": "TCP"]]
        var env: [JSONValue] = spec.env.filter { $0.name != "PORT" }.map { ["name": .string($0.name), "value": .string($0.value)] }
        var mounts: [JSONValue] = []
        // As a task pod's: a variable from the Secret's key, or the key mounted at `path` from a secret volume.
        try PodPlan.addSecrets(spec.secrets, owner: owner, env: &env, mounts: &mounts)
        env.append(["name": "PORT", "value": .string(String(spec.port))])
        container["env"] = .array(env)
        if let resources = try PodPlan.resources(spec.resources, owner: owner) { container["resources"] = .object(resources) }
        for (key, probe) in probes(spec.health, startupGrace: spec.startupGrace) { container[key] = .object(probe) }
        if spec.resources.shm != nil { mounts.append(["name": .string(PodPlan.shmVolume), "mountPath": "/dev/shm"]) }
        if !mounts.isEmpty { container["volumeMounts"] = .array(mounts) }
        var podSpec: JSONObject = ["containers": [.object(container)]]
        var volumes = PodPlan.secretVolumes(spec.secrets)
        if let shm = spec.resources.shm {
            volumes.append(["name": .string(PodPlan.shmVolume), "emptyDir": ["medium": "Memory", "sizeLimit": .string(shm.canonical)]])
        }
        if !volumes.isEmpty { podSpec["volumes"] = .array(volumes) }
        var affinity = JSONObject(), tolerations: [JSONValue] = []
        try PodPlan.addAcceleratorPlacement(&affinity, &tolerations, spec.resources, owner: owner, settings: settings)
        if !affinity.isEmpty { podSpec["affinity"] = .object(affinity) }
        if !tolerations.isEmpty { podSpec["tolerations"] = .array(tolerations) }
        try PodPlan.applySecurity(&podSpec, container: ContainerSpec(), owner: owner, settings: settings)
        if let account = settings.serviceAccountName { podSpec["serviceAccountName"] = .string(account) }
        return podSpec
    }

    /// Readiness and liveness from the health check (an HTTP GET of its path on the app's port; interval, timeout
    /// and failures in whole seconds, at least 1) and a startup probe that allows `startupGrace` before liveness counts.
    static func probes(_ health: HealthCheck, startupGrace: DurationValue) -> [(String, JSONObject)] {
        let period = wholeSeconds(health.interval), timeout = wholeSeconds(health.timeout)
        func probe(period: Int64, failures: Int64) -> JSONObject {
            ["httpGet": ["path": .string(health.path), "port": .string(portName)], "periodSeconds": .int(period),
             "timeoutSeconds": .int(timeout), "failureThreshold": .int(failures)]
        }
        let failures = Int64(max(1, health.failures))
        let startupPeriod = min(period, wholeSeconds(startupGrace))
        let startupFailures = max(1, Int64((startupGrace.seconds / Double(startupPeriod)).rounded(.up)))
        return [("readinessProbe", probe(period: period, failures: failures)), ("livenessProbe", probe(period: period, failures: failures)),
                ("startupProbe", probe(period: startupPeriod, failures: startupFailures))]
    }

    static func wholeSeconds(_ d: DurationValue) -> Int64 { max(1, Int64(d.seconds.rounded(.up))) }
}

extension JSONEncoder {
    /// Keys sorted: the same spec always encodes to the same bytes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
