import Foundation
import SluiceKube

/// `--run-commands`: a pod's volumes written to its folder and its containers' commands built from the
/// store's ConfigMaps and Secrets, just before the containers start.
extension Kubelet {
    /// What the pod's environment and downward API files are read from.
    func podSources(_ pod: JSONObject, tracked: TrackedPod) -> PodSources {
        let lifecycle = tracked.lifecycle
        return PodSources(pod: pod, store: store, podIP: lifecycle.podIP, hostIP: lifecycle.node.hostIP,
                          nodeCapacity: lifecycle.node.capacity)
    }

    func podFolder(_ tracked: TrackedPod) -> String {
        ContainerCommand.podFolder(root: options.podRoot, namespace: tracked.namespace, pod: tracked.name, uid: tracked.uid)
    }

    /// The environment every local process starts from: the kubelet's base and the pod's hostname.
    func inheritedEnvironment(_ tracked: TrackedPod) -> [String: String] {
        options.baseEnvironment.merging(["HOSTNAME": tracked.name]) { _, pod in pod }
    }

    /// A new pod's commands (to know which containers run as processes), and what local processes cannot
    /// honour as `KubeSimRunCommands` events; the commands are built again when the containers start.
    func planCommands(_ tracked: inout TrackedPod, pod: JSONObject, now: Date) {
        let folder = podFolder(tracked)
        let volumes = PodVolumes(pod: pod, podFolder: folder)
        let sources = podSources(pod, tracked: tracked)
        var notes = volumes.notes
        let podContext = pod["spec"]?["securityContext"]
        let ignored = ["runAsUser", "runAsGroup", "fsGroup", "supplementalGroups"].filter { podContext?[$0] != nil }
        if !ignored.isEmpty {
            notes.append("pod securityContext \(ignored.joined(separator: ", ")) is not enforced on local processes")
        }
        for spec in pod["spec"]?["containers"]?.arrayValue ?? [] {
            let command = ContainerCommand(container: spec, podFolder: folder, inherited: inheritedEnvironment(tracked),
                                           sources: sources, mounts: volumes.mounts(for: spec, environment: [:]))
            tracked.commands[command.container] = command
            notes += command.notes
        }
        guard !tracked.inEngine else { return }
        for note in notes {
            events.record(SimEvent(reason: "KubeSimRunCommands", message: note), about: pod, at: now)
        }
    }

    /// Writes the pod's volumes and returns each app container's mounts; for local processes the commands
    /// are built again with the pod's resolved environment and these mounts.
    func prepareContainers(_ tracked: inout TrackedPod, pod: JSONObject) -> [String: [PodVolumes.Mount]] {
        let folder = podFolder(tracked)
        let sources = podSources(pod, tracked: tracked)
        let volumes = PodVolumes(pod: pod, podFolder: folder)
        volumes.materialize(sources)
        var mounts: [String: [PodVolumes.Mount]] = [:]
        for spec in pod["spec"]?["containers"]?.arrayValue ?? [] {
            guard let name = spec["name"]?.stringValue else { continue }
            let environment = ContainerEnvironment.resolve(spec, sources: sources)
            let own = volumes.mounts(for: spec, environment: environment)
            for mount in own where mount.hostPath.hasPrefix(folder + "/volumes/") {
                // A subPath the volume lacks is created, as the kubelet does.
                try? FileManager.default.createDirectory(atPath: mount.hostPath, withIntermediateDirectories: true)
            }
            mounts[name] = own
            if !tracked.inEngine {
                Self.linkNestedMounts(own)
                tracked.commands[name] = ContainerCommand(container: spec, podFolder: folder, inherited: inheritedEnvironment(tracked),
                                                          sources: sources, mounts: own)
            }
        }
        return mounts
    }

    /// A mount inside another (a Secret at /sluice/in under an emptyDir at /sluice) appears in the outer
    /// folder as a symlink, so listing the outer folder shows it as in a container.
    static func linkNestedMounts(_ mounts: [PodVolumes.Mount]) {
        for inner in mounts {
            guard let outer = mounts.filter({ inner.containerPath.hasPrefix($0.containerPath + "/") })
                .max(by: { $0.containerPath.count < $1.containerPath.count }) else { continue }
            let link = outer.hostPath + inner.containerPath.dropFirst(outer.containerPath.count)
            guard (try? FileManager.default.attributesOfItem(atPath: link)) == nil else { continue }
            try? FileManager.default.createDirectory(atPath: (link as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: inner.hostPath)
        }
    }
}
