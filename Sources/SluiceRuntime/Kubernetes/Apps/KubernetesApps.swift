import Foundation
import Logging
import SluiceAPI
import SluiceEngine
import SluiceKube
import SluiceModel
import SluiceStore
import Synchronization

/// The Kubernetes app backend of `sluice serve --backend kubernetes`: each app is a Deployment and a ClusterIP
/// Service owned by a ConfigMap (`KubeAppPlan`). The store keeps the desired state as for local apps; every
/// operation records it and then reconciles the app's objects with it (create what is missing, replace what
/// differs by spec hash, patch only `spec.replicas` for a scale, write nothing when all match), so repeating
/// any operation, or `restore()` after a restart, is safe. Apps with `replicas.target_concurrency` or `replicas.min: 0`
/// are scaled by the server that leads, from the requests its gateway has open (`KubernetesApps+Scaling.swift`).
public actor KubernetesApps: AppBackend {
    /// Where apps go and how the gateway reaches them.
    public struct Settings: Sendable {
        /// Namespace, store id, service account, default user and accelerator label, shared with task pods.
        public var pod: KubePodSettings
        /// The gateway's upstream for an app, with `{name}`, `{namespace}` and `{port}` filled in: the app's
        /// Service by its cluster DNS name by default.
        public var upstream: String = Settings.defaultUpstream
        public static let defaultUpstream = "http://{name}.{namespace}.svc:{port}"
        /// With a host (`{name}` and `{namespace}` filled in, e.g. `{name}.apps.example.com`), each public app also
        /// gets an Ingress for that host to its Service; private apps get none (only the gateway checks tokens).
        public var ingressHost: String?
        /// The IngressClass of those Ingresses (nil: the cluster's default class).
        public var ingressClass: String?
        /// Whether this server scales apps now (autoscaling, scale to zero and its wakes): with leader election, only
        /// while it leads.
        public var leads: @Sendable () -> Bool = { true }
        /// The clock of autoscaling windows, idleness and the startup grace a woken app's requests wait.
        public var clock: any AppClock = SystemAppClock()
        /// An app with `replicas.min: 0` goes to no replicas after this long without requests.
        public var idleBeforeZero: Double = 60
        /// How often the requests open per replica are sampled (and idleness looked at).
        public var autoscaleEvery: Double = 1

        /// The Ingress route of app `name`, when Ingresses are made.
        public func ingress(name: String) -> KubeAppPlan.IngressRoute? {
            ingressHost.map {
                KubeAppPlan.IngressRoute(host: $0.replacingOccurrences(of: "{name}", with: name).replacingOccurrences(of: "{namespace}", with: pod.namespace),
                                         className: ingressClass)
            }
        }

        public init(pod: KubePodSettings) { self.pod = pod }

        /// The upstream of one app; nil when the template does not make an `http://HOST:PORT` URL.
        public func upstream(name: String, port: Int) -> AppAddress? {
            let url = upstream.replacingOccurrences(of: "{name}", with: name).replacingOccurrences(of: "{namespace}", with: pod.namespace)
                .replacingOccurrences(of: "{port}", with: String(port))
            guard let parsed = URLComponents(string: url), parsed.scheme == "http", let host = parsed.host, !host.isEmpty,
                  let p = parsed.port, parsed.path.isEmpty || parsed.path == "/" else { return nil }
            return AppAddress(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: p)
        }
    }

    public nonisolated let client: KubeClient
    public nonisolated let settings: Settings
    private let store: Store
    /// The apps' pods (label-selected to this store's apps), for the gateway's "is any replica ready" check.
    private nonisolated let pods = Informer()
    private nonisolated let watching = Mutex<Task<Void, Never>?>(nil)
    /// What the gateway needs of each app without a store read: its spec and whether it runs.
    private nonisolated let known = Mutex<[String: (spec: AppSpec, running: Bool)]>([:])
    /// The load and scaling loop of each running app, by name.
    nonisolated let scalings = Mutex<[String: KubeAppScaling]>([:])
    let logger = Logger(label: "sluice.kubernetes.apps")

    static let configMaps = ResourceType(apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespaced: true)
    static let ingresses = ResourceType(apiVersion: "networking.k8s.io/v1", kind: "Ingress", resource: "ingresses", namespaced: true)

    /// `settings.pod.storeID` must be set (the Kubernetes task backend's settings carry it).
    public init(client: KubeClient, settings: Settings, store: Store) {
        self.client = client
        self.settings = settings
        self.store = store
        // A pod that turns ready lets the requests held for its app's wake go on.
        pods.addHandler(InformerHandler(added: { [weak self] pod in self?.podChanged(pod) },
                                        updated: { [weak self] _, pod in self?.podChanged(pod) }))
    }

    nonisolated var namespace: String { settings.pod.namespace }

    // MARK: - AppBackend

    /// Reconciles every recorded app with the cluster (objects made again when missing, left alone when their
    /// hash matches) and removes the objects of apps this store no longer records.
    public func restore() async throws(AppRuntimeError) {
        startWatching()
        let records = try await db { try $0.apps() }
        var failures: [String] = []
        for record in records {
            let spec = try decode(record)
            remember(spec, running: record.running)
            do throws(AppRuntimeError) { try await reconcile(spec, replicas: record.replicas, running: record.running) } catch {
                failures.append("\(record.name): \(error)")
            }
        }
        let recorded = Set(records.map(\.name))
        let owners = try await kube { [client, namespace, settings] in
            try await client.list(Self.configMaps, namespace: namespace,
                                  options: ListOptions(labelSelector: "\(PodPlan.managedLabel)=true,\(PodPlan.storeLabel)=\(KubeName.labelValue(settings.pod.storeID)),\(KubeAppPlan.appLabel)"))
        }
        for owner in owners.items {
            guard let app = owner.labelMap[KubeAppPlan.appLabel], !recorded.contains(app) else { continue }
            try await removeObjects(app)
        }
        if settings.ingressHost == nil { await removeIngressesMadeBefore() }
        if !failures.isEmpty { throw .cannotStart("cannot bring back apps on Kubernetes: \(failures.joined(separator: "; "))") }
    }

    /// Ingresses this store's apps got while a server ran with --app-ingress-host, which this one does not make:
    /// kept, they would go on exposing the apps (even one turned private since). Only a server start can find
    /// them (the option is the server's), so one list here. Best effort: without the option the chart's Role
    /// grants no ingresses, and the 403 then means there is nothing of ours to find.
    private func removeIngressesMadeBefore() async {
        let selector = "\(PodPlan.managedLabel)=true,\(PodPlan.storeLabel)=\(KubeName.labelValue(settings.pod.storeID)),\(KubeAppPlan.appLabel)"
        guard let found = try? await kube({ [client, namespace] in
            try await client.list(Self.ingresses, namespace: namespace, options: ListOptions(labelSelector: selector))
        }) else { return }
        for ingress in found.items {
            guard let name = ingress.meta("name") else { continue }
            do {
                _ = try await kube { [client, namespace] in try await client.delete(Self.ingresses, namespace: namespace, name: name) }
            } catch {
                logger.warning("cannot delete Ingress \(namespace)/\(name), which this server no longer makes: \(error)")
            }
        }
    }

    public func deploy(_ specs: [AppSpec]) async throws(AppRuntimeError) -> [AppView] {
        // Every spec is checked before anything is recorded: one the cluster cannot run refuses the whole file.
        for spec in specs { _ = try KubeAppPlan(spec, replicas: spec.replicas.min, settings: settings.pod, ingress: settings.ingress(name: spec.name)) }
        startWatching()
        var views: [AppView] = []
        for spec in specs {
            guard let data = try? JSONEncoder.sorted.encode(spec) else { throw .invalid("cannot encode app '\(spec.name)'") }
            let record = try await db { try $0.putApp(name: spec.name, spec: data, replicas: spec.replicas.min) }
            remember(spec, running: true)
            try await reconcile(spec, replicas: record.replicas, running: true)
            views.append(try await view(record, spec: spec))
        }
        return views
    }

    public func scale(_ name: String, replicas: Int) async throws(AppRuntimeError) -> AppView {
        let (record, spec) = try await AppStoreCalls(store: store).scale(name, to: replicas)
        // The autoscaler carries on from this count; an app that scales to zero is idle from now on, not from before.
        scalings.withLock { $0[name] }?.noteActivity()
        if record.running { try await reconcile(spec, replicas: replicas, running: true) }
        return try await view(record, spec: spec)
    }

    /// Stopping sets the Deployment's replicas to 0 and keeps every object; starting sets them back.
    public func setRunning(_ name: String, _ running: Bool) async throws(AppRuntimeError) -> AppView {
        guard let record = try await db({ try $0.setAppRunning(name: name, running: running) }) else { throw .noApp(name) }
        let spec = try decode(record)
        remember(spec, running: running)
        try await reconcile(spec, replicas: record.replicas, running: running)
        return try await view(record, spec: spec)
    }

    /// Deletes the owner ConfigMap (the garbage collector removes the Deployment, its pods and the Service), then the record.
    public func delete(_ name: String) async throws(AppRuntimeError) {
        guard try await db({ try $0.app(name: name) }) != nil else { throw .noApp(name) }
        try await removeObjects(name)
        _ = try await db { try $0.deleteApp(name: name) }
        _ = known.withLock { $0.removeValue(forKey: name) }
        scalings.withLock { $0.removeValue(forKey: name) }?.stop()
    }

    public func view(_ name: String) async throws(AppRuntimeError) -> AppView {
        guard let record = try await db({ try $0.app(name: name) }) else { throw .noApp(name) }
        return try await view(record, spec: try decode(record))
    }

    public func list() async throws(AppRuntimeError) -> [AppView] {
        var views: [AppView] = []
        for record in try await db({ try $0.apps() }) { views.append(try await view(record, spec: try decode(record))) }
        return views
    }

    /// The app's Service (through `settings.upstream`) while at least one of its pods is ready; no upstream otherwise.
    public nonisolated func routing(_ name: String) -> (any AppRouting)? {
        guard let app = known.withLock({ $0[name] }), app.running, let address = settings.upstream(name: name, port: app.spec.port),
              let scaling = scalings.withLock({ $0[name] }) else {
            return nil
        }
        return KubeAppRoute(spec: app.spec, address: address, scaling: scaling, anyReady: readiness(name), leads: settings.leads,
                            wakeUp: { [weak self] in await self?.wake(name) })
    }

    /// Whether a pod of app `name` is ready and not terminating, as the pod informer knows it.
    nonisolated func readiness(_ name: String) -> @Sendable () -> Bool {
        let pods = self.pods
        return {
            pods.list().contains { pod in
                pod.labelMap[KubeAppPlan.appLabel] == name && pod.meta("deletionTimestamp") == nil
                    && KubeAppStatus.replica(pod, index: 0).state == "healthy"
            }
        }
    }

    /// The log of the `replica`th pod (`apps status` order).
    public func replicaLog(_ name: String, replica: Int) async throws(AppRuntimeError) -> AppLogSource {
        guard try await db({ try $0.app(name: name) }) != nil else { throw .noApp(name) }
        let pods = KubeAppStatus.ordered(try await appPods(name))
        let pod = replica < pods.count ? pods[replica].meta("name") : nil
        return .remote(KubePodLog(client: client, namespace: namespace, pod: pod, app: name, replica: replica))
    }

    /// Stops watching the apps' pods; the apps keep running in the cluster.
    public func shutdown() async {
        watching.withLock { t in
            t?.cancel()
            t = nil
        }
        for scaling in scalings.withLock({ s in defer { s = [:] }; return Array(s.values) }) { scaling.stop() }
    }

    // MARK: - Reconciling

    /// Makes the cluster match: the owner, then the Deployment (replicas 0 while stopped) and the Service it owns.
    func reconcile(_ spec: AppSpec, replicas: Int, running: Bool) async throws(AppRuntimeError) {
        let plan = try KubeAppPlan(spec, replicas: running ? replicas : 0, settings: settings.pod, ingress: settings.ingress(name: spec.name))
        let ownerUID = try await ensureOwner(plan)
        try await ensure(.deployments, plan.owned(plan.deployment, ownerUID: ownerUID), plan: plan, ownerUID: ownerUID)
        try await ensure(.services, plan.owned(plan.service, ownerUID: ownerUID), plan: plan, ownerUID: ownerUID)
        if let ingress = plan.ingress {
            try await ensure(Self.ingresses, plan.owned(ingress, ownerUID: ownerUID), plan: plan, ownerUID: ownerUID)
        } else if settings.ingressHost != nil, try await existing(Self.ingresses, plan.name, plan: plan) != nil {
            // The app became private: the Ingress would expose it without the gateway's token check.
            _ = try await kube { [client, namespace] in try await client.delete(Self.ingresses, namespace: namespace, name: plan.name) }
        }
    }

    /// The owner ConfigMap's uid, creating it or replacing its spec when the hash changed.
    private func ensureOwner(_ plan: KubeAppPlan) async throws(AppRuntimeError) -> String {
        let name = KubeAppPlan.ownerName(plan.name)
        let current = try await existing(Self.configMaps, name, plan: plan)
        let written: JSONObject
        if let current {
            guard current["metadata"]?["annotations"]?[KubeAppPlan.specHashAnnotation]?.stringValue != plan.specHash else {
                return current.meta("uid") ?? ""
            }
            var object = current
            object["data"] = plan.owner["data"]
            object["metadata"]?["annotations"]?[KubeAppPlan.specHashAnnotation] = .string(plan.specHash)
            written = try await kube { [client, namespace, object] in try await client.replace(Self.configMaps, namespace: namespace, object) }
        } else {
            written = try await kube { [client, namespace] in try await client.create(Self.configMaps, namespace: namespace, plan.owner) }
        }
        guard let uid = written.meta("uid") else { throw .cannotStart("ConfigMap \(namespace)/\(name) came back without a uid") }
        return uid
    }

    /// Creates `desired` when missing; with the same spec hash and owner writes nothing but a changed replica
    /// count (a merge patch); else replaces labels, annotations, owner and spec (a Service keeps its cluster IP).
    private func ensure(_ type: ResourceType, _ desired: JSONObject, plan: KubeAppPlan, ownerUID: String) async throws(AppRuntimeError) {
        let name = desired.meta("name") ?? plan.name
        guard let current = try await existing(type, name, plan: plan) else {
            _ = try await kube { [client, namespace] in try await client.create(type, namespace: namespace, desired) }
            return
        }
        let sameHash = current["metadata"]?["annotations"]?[KubeAppPlan.specHashAnnotation]?.stringValue == plan.specHash
        let sameOwner = (current["metadata"]?["ownerReferences"]?.arrayValue ?? []).contains { $0["uid"]?.stringValue == ownerUID }
        if sameHash && sameOwner {
            let replicas = desired["spec"]?["replicas"]
            if type == .deployments, current["spec"]?["replicas"] != replicas {
                _ = try await kube { [client, namespace] in
                    try await client.patch(type, namespace: namespace, name: name, ["spec": ["replicas": replicas ?? 0]], as: .merge)
                }
            }
            return
        }
        var object = current
        object["metadata"]?["labels"] = desired["metadata"]?["labels"]
        var annotations = current["metadata"]?["annotations"]?.objectValue ?? JSONObject()
        annotations[KubeAppPlan.specHashAnnotation] = .string(plan.specHash)
        object["metadata"]?["annotations"] = .object(annotations)
        object["metadata"]?["ownerReferences"] = desired["metadata"]?["ownerReferences"]
        if type == .services {
            var spec = current["spec"]?.objectValue ?? JSONObject()
            for (k, v) in desired["spec"]?.objectValue ?? JSONObject() { spec[k] = v }
            object["spec"] = .object(spec)
        } else {
            object["spec"] = desired["spec"]
        }
        _ = try await kube { [client, namespace, object] in try await client.replace(type, namespace: namespace, object) }
    }

    /// The object named `name`, nil when missing; refuses one this store's app did not make.
    private func existing(_ type: ResourceType, _ name: String, plan: KubeAppPlan) async throws(AppRuntimeError) -> JSONObject? {
        let result: Result<JSONObject, KubeError>
        do { result = .success(try await client.get(type, namespace: namespace, name: name)) } catch { result = .failure(error) }
        switch result {
        case .success(let object):
            let labels = object.labelMap
            guard labels[KubeAppPlan.appLabel] == plan.name, labels[PodPlan.storeLabel] == KubeName.labelValue(settings.pod.storeID) else {
                throw .invalid("app '\(plan.name)': a \(type.kind) named \(name) exists in namespace \(namespace) that is not this Sluice's app (no \(KubeAppPlan.appLabel)=\(plan.name) and store labels); rename the app or remove that \(type.kind)")
            }
            return object
        case .failure(let error) where error.isNotFound: return nil
        case .failure(let error): throw .cannotStart("cannot read \(type.kind) \(namespace)/\(name): \(error)")
        }
    }

    private func removeObjects(_ name: String) async throws(AppRuntimeError) {
        let result: Result<Void, KubeError>
        do {
            _ = try await client.delete(Self.configMaps, namespace: namespace, name: KubeAppPlan.ownerName(name), propagationPolicy: .background)
            result = .success(())
        } catch { result = .failure(error) }
        if case .failure(let error) = result, !error.isNotFound {
            throw .cannotStart("cannot delete app '\(name)' from the cluster: \(error)")
        }
    }

    // MARK: - Reading

    private func view(_ record: AppRecord, spec: AppSpec) async throws(AppRuntimeError) -> AppView {
        let deployment: JSONObject?
        let read: Result<JSONObject, KubeError>
        do { read = .success(try await client.get(.deployments, namespace: namespace, name: record.name)) } catch { read = .failure(error) }
        switch read {
        case .success(let d): deployment = d
        case .failure(let error) where error.isNotFound: deployment = nil
        case .failure(let error): throw .cannotStart("cannot read the Deployment of app '\(record.name)': \(error)")
        }
        let pods = try await appPods(record.name)
        return KubeAppStatus.view(name: record.name, spec: spec, running: record.running, desired: record.running ? record.replicas : 0,
                                  deployment: deployment, pods: pods)
    }

    private func appPods(_ name: String) async throws(AppRuntimeError) -> [JSONObject] {
        let selector = KubeAppPlan.selector(name, storeID: settings.pod.storeID)
        return try await kube { [client, namespace] in
            try await client.list(.pods, namespace: namespace, options: ListOptions(labelSelector: selector)).items
        }
    }

    private nonisolated func startWatching() {
        watching.withLock { task in
            guard task == nil else { return }
            let reflector = Reflector(client: client, type: .pods, namespace: namespace, options: ListOptions(
                labelSelector: "\(PodPlan.managedLabel)=true,\(PodPlan.storeLabel)=\(KubeName.labelValue(settings.pod.storeID)),\(KubeAppPlan.appLabel)"))
            task = Task.detached { [pods] in await pods.run(reflector) }
        }
    }

    private nonisolated func remember(_ spec: AppSpec, running: Bool) {
        known.withLock { $0[spec.name] = (spec, running) }
        track(spec, running: running)
    }

    func decode(_ record: AppRecord) throws(AppRuntimeError) -> AppSpec { try AppStoreCalls.decode(record) }

    /// A Kubernetes call, its failure as one sentence.
    private func kube<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(AppRuntimeError) -> T {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        switch result {
        case .success(let value): return value
        case .failure(let error as KubeError) where error.isInvalid: throw .invalid("the cluster refused the app's objects: \(error)")
        case .failure(let error): throw .cannotStart("\(error)")
        }
    }

    /// Runs a store call on a thread of its own, never on the Swift pool.
    func db<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws(AppRuntimeError) -> T {
        try await AppStoreCalls(store: store).run(body)
    }
}
