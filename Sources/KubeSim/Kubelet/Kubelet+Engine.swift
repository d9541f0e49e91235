import DockerEngine
import Foundation
import SluiceKube

/// `--run-commands` through a Docker Engine API: every container of a pod runs from its image in the
/// engine; its pulls find the engine's local images only (nothing is pulled).
extension Kubelet {
    /// Picks the engine or local processes per `options.runtime`, and says which.
    func chooseRuntime() async throws {
        let runtime = try await ContainerRuntime.choose(options.runtime, address: options.engineAddress)
        FileHandle.standardError.write(Data("kubesim: \(runtime.summary)\n".utf8))
        engine = runtime.engine
        if engine != nil { images = ImageRegistry(patterns: []) }
    }

    /// Asks the engine about the images of new or changed pods before the kubelet plans their pulls.
    /// An image a new pod names is asked again even when it was missing before (it may have been built since).
    func learnImages(_ batch: [WatchEvent]) async {
        guard let engine else { return }
        var asked = false
        for event in batch where event.type == .added || event.type == .modified {
            let pod = event.object.object
            let named = (ContainerFacts.of(pod) + ContainerFacts.of(pod, field: "initContainers")).map { Self.tagged($0.image) }
            for image in Set(named) where !engineImages.contains(image) {
                if event.type == .modified, engineMissing.contains(image) { continue }
                asked = true
                if let user = try? await engine.imageUser(image) {
                    engineImages.insert(image)
                    engineMissing.remove(image)
                    engineUsers[image] = user
                } else {
                    engineMissing.insert(image)
                }
            }
        }
        if asked {
            images = ImageRegistry(patterns: engineImages.sorted())
            images.users = engineUsers
        }
    }

    /// `name:latest` for a reference without tag or digest (a pattern without a tag would match every tag).
    static func tagged(_ image: String) -> String {
        let last = image.split(separator: "/").last ?? ""
        return last.contains(":") || image.contains("@") ? image : image + ":latest"
    }

    /// Creates and starts every app container of a pod in the engine, their output going to the log book.
    func startEngineContainers(_ tracked: inout TrackedPod, now: Date) {
        guard let engine, let pod = store.get(.pods, namespace: tracked.namespace, name: tracked.name)?.object else { return }
        let (namespace, name, uid) = (tracked.namespace, tracked.name, tracked.uid)
        let mounts = prepareContainers(&tracked, pod: pod)
        let sources = podSources(pod, tracked: tracked)
        for spec in pod["spec"]?["containers"]?.arrayValue ?? [] {
            guard let container = spec["name"]?.stringValue, let command = tracked.commands[container],
                  let log = logs.started(namespace: namespace, pod: name, container: container) else { continue }
            Self.prepareTerminationFile(command.terminationMessageFile)
            let engineSpec = EngineContainerSpec(container: spec, sources: sources, uid: uid, owner: engineOwner,
                                                 terminationFile: command.terminationMessageFile,
                                                 mounts: mounts[container] ?? [])
            tracked.processes[container] = EngineContainer.start(engineSpec, client: engine, log: log) { [weak self] end in
                Task { await self?.containerExited(uid: uid, container: container, exitCode: end.exitCode,
                                                   reason: end.reason, message: end.message) }
            }
        }
    }

    /// An empty file anyone may write: bind-mounted at the container's `terminationMessagePath`.
    static func prepareTerminationFile(_ path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o666])
    }

    /// The pod is gone: its engine containers go too (killed first when still running).
    func removeEngineContainers(of tracked: TrackedPod) {
        guard let engine else { return }
        let labels = [EngineContainerSpec.ownerLabel: engineOwner, EngineContainerSpec.podUIDLabel: tracked.uid]
        Task { await Self.remove(labels: labels, engine: engine) }
    }

    /// Shutdown: every engine container this kubelet started is removed; waits until they are.
    func removeEngineContainers() async {
        guard let engine else { return }
        let labels = [EngineContainerSpec.ownerLabel: engineOwner]
        // Detached: a cancelled run() must still clean up.
        await Task.detached { await Self.remove(labels: labels, engine: engine) }.value
    }

    static func remove(labels: [String: String], engine: EngineClient) async {
        let found = (try? await engine.listContainers(labels: labels)) ?? []
        await withTaskGroup(of: Void.self) { group in
            for c in found { group.addTask { _ = try? await engine.removeContainer(c.id, force: true) } }
        }
    }
}
