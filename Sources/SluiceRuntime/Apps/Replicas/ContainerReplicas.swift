#if os(Linux)
import DockerEngine
import Foundation
import SluiceModel

/// The container backend's replicas: each a container of the app's image (`command`/`args` as for a container
/// task), its `port` published on a free loopback port of this host, its resources as container limits, its log
/// copied into the replica's log. Labels name the store, app, replica and generation, so the next server removes
/// what a dead one left behind.
struct ContainerReplicas: ReplicaBackend {
    static let appLabel = "sluice.dev/app"
    static let replicaLabel = "sluice.dev/replica"
    static let generationLabel = "sluice.dev/generation"

    let client: EngineClient
    /// The store's id (`ContainerPlan.storeID`), as on the store's task containers.
    let store: String
    let images: ImageCache
    /// The container backend's secrets folder, read as for its task containers.
    let secrets: LocalSecrets

    func refusal(_ spec: AppSpec) -> String? {
        guard let image = spec.image, !image.isEmpty else {
            return "app '\(spec.name)' has no image: the container backend runs each replica as a container of the app's image"
        }
        if spec.resources.accelerator != nil {
            return "app '\(spec.name)': resources.accelerator picks Kubernetes nodes; the container backend cannot honour it (remove it, or ask for resources.limits.gpu)"
        }
        if spec.resources.requests.ephemeralStorage != nil || spec.resources.limits.ephemeralStorage != nil {
            return "app '\(spec.name)': resources ephemeral_storage is a Kubernetes limit; the container backend cannot honour it (remove it)"
        }
        return secretsRefusal(spec, BackendCapabilities(backend: "container", runtimes: [.containerImage], gpus: true, secretPaths: true), secrets)
    }

    /// `sluice-<store>-app-<name>-<generation>-<replica>`: one container per replica at a time.
    func name(_ r: ReplicaStart) -> String { "sluice-\(store)-app-\(r.spec.name)-\(r.generation)-\(r.index)" }

    /// The replica's container; its secrets are read now (a variable each, or a bind-mounted file for `path`), as
    /// the container backend does for a task's, so a secret changed in the folder reaches the next replica.
    func config(_ r: ReplicaStart) throws(AppRuntimeError) -> ContainerConfig {
        let spec = r.spec
        var config = ContainerConfig(image: spec.image ?? "")
        ContainerPlan.setCommand(spec.command + spec.args, replacingEntrypoint: !spec.command.isEmpty, in: &config)
        var env: [String: String] = [:]
        for variable in spec.env { env[variable.name] = variable.value }
        do throws(BackendError) {
            try ContainerPlan.addSecrets(spec.secrets, from: secrets, env: &env, binds: &config.host.binds)
        } catch {
            throw .cannotStart("app '\(spec.name)': \(error.message)")
        }
        env["PORT"] = String(spec.port)
        env["SLUICE_APP"] = spec.name
        env["SLUICE_REPLICA"] = String(r.index)
        config.env = env
        config.labels = [ContainerPlan.managedLabel: "true", ContainerPlan.storeLabel: store, Self.appLabel: spec.name,
                         Self.replicaLabel: String(r.index), Self.generationLabel: String(r.generation)]
        ContainerPlan.apply(spec.resources, to: &config.host)
        // A bridge network is what lets the engine publish the port; only this host's loopback reaches it.
        config.host.networkMode = "bridge"
        config.host.portBindings = [.init(containerPort: spec.port, hostIP: "127.0.0.1", hostPort: r.port)]
        return config
    }

    func start(_ r: ReplicaStart) async throws(AppRuntimeError) -> any ReplicaHandle {
        // Not cancelled halfway (an app stopped while its container is created): a container created is either
        // returned, and then stopped and removed by its supervisor, or removed here.
        let started = await Task.detached { [self] () async -> Result<ContainerReplica, AppRuntimeError> in
            do throws(AppRuntimeError) { return .success(try await startWhole(r)) } catch { return .failure(error) }
        }.value
        return try started.get()
    }

    private func startWhole(_ r: ReplicaStart) async throws(AppRuntimeError) -> ContainerReplica {
        let config = try config(r)
        let name = name(r)
        switch await images.ensure(config.image, client: client, progress: { _ in }) {
        case .ready: break
        case .unreachable(let why): throw .cannotStart("the container engine cannot be reached: \(why)")
        case .pullFailed(let why):
            throw .cannotStart("image '\(config.image)' is not in the container engine and cannot be pulled: \(why)")
        }
        let created: Result<String, any Error> = await Self.result { try await create(name, config) }
        guard case .success(let id) = created else {
            throw .cannotStart("cannot create a container of image '\(config.image)': \(Self.reason(created))")
        }
        let started: Result<Void, any Error> = await Self.result { try await client.startContainer(id) }
        if case .failure = started {
            _ = try? await client.removeContainer(id, force: true)
            throw .cannotStart("cannot start a container of image '\(config.image)': \(Self.reason(started))")
        }
        return ContainerReplica.follow(client: client, id: id, logPath: r.logPath, memoryLimit: config.host.memory)
    }

    /// Creates the container; one of that name left over (its removal failed) is removed first.
    private func create(_ name: String, _ config: ContainerConfig) async throws -> String {
        do {
            return try await client.createContainer(name: name, config)
        } catch let e as EngineError where e.isConflict {
            try await client.removeContainer(name, force: true)
            return try await client.createContainer(name: name, config)
        }
    }

    func removeLeftovers(under directory: String) async {
        let found = (try? await client.listContainers(labels: [ContainerPlan.managedLabel: "true", ContainerPlan.storeLabel: store])) ?? []
        for container in found where container.labels[Self.appLabel] != nil {
            _ = try? await client.removeContainer(container.id, force: true)
        }
    }

    private static func result<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private static func reason<T>(_ result: Result<T, any Error>) -> String {
        guard case .failure(let error) = result else { return "" }
        return ContainerBackend.reason(error)
    }
}
#endif
