import Foundation
import SluiceKube

/// `--run-commands`: containers as local processes, their real exits and termination messages.
extension Kubelet {
    /// Starts every container of a pod that reached Running; a container without a command is simulated.
    func startProcesses(_ tracked: inout TrackedPod, now: Date) {
        guard !tracked.started else { return }
        tracked.started = true
        if tracked.inEngine { return startEngineContainers(&tracked, now: now) }
        if let pod = store.get(.pods, namespace: tracked.namespace, name: tracked.name)?.object {
            _ = prepareContainers(&tracked, pod: pod)
        }
        let lifecycle = tracked.lifecycle
        let (namespace, name, uid) = (tracked.namespace, tracked.name, tracked.uid)
        for c in lifecycle.containers {
            guard let command = tracked.commands[c.name],
                  let log = logs.started(namespace: namespace, pod: name, container: c.name) else { continue }
            if command.argv.isEmpty {
                log.append("kubesim: container \(c.name) of pod \(namespace)/\(name) has no command; simulated\n")
                log.end()
                tracked.exits[c.name] = lifecycle.simulatedExits()[c.name]
                continue
            }
            do {
                let container = c.name
                let process = try ContainerProcess.spawn(command, log: log) { [weak self] end in
                    Task { await self?.containerExited(uid: uid, container: container, exitCode: end.exitCode) }
                }
                tracked.processes[c.name] = process
            } catch {
                let message = "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                    + "runc create failed: unable to start container process: exec: \"\(command.argv[0])\": "
                    + "executable file not found in $PATH: unknown"
                log.end()
                tracked.exits[c.name] = ContainerExit(exitCode: 128, reason: "StartError", message: message,
                                                      startedAt: Date(timeIntervalSince1970: 0), finishedAt: now)
                if let pod = store.get(.pods, namespace: namespace, name: name)?.object {
                    events.record(SimEvent("Warning", reason: "Failed", message: "Error: \(message)",
                                           fieldPath: SimEvent.container(c.name)), about: pod, at: now)
                }
            }
        }
    }

    /// A container's process (or engine container) ended: record its exit and termination message (the
    /// runtime's `message` when it has one), then reconcile the pod.
    func containerExited(uid: String, container: String, exitCode: Int32, reason: String? = nil, message: String? = nil) {
        guard var tracked = pods[uid], tracked.processes.removeValue(forKey: container) != nil else { return }
        let now = clock.now()
        let log = logs.started(namespace: tracked.namespace, pod: tracked.name, container: container) ?? ContainerLog()
        let message = message ?? tracked.commands[container]?.terminationMessage(exitCode: exitCode, log: log)
        tracked.exits[container] = ContainerExit(exitCode: exitCode, reason: reason, message: message,
                                                 startedAt: tracked.lifecycle.startedAt, finishedAt: now)
        log.end()
        pods[uid] = tracked
        reconcile(namespace: tracked.namespace, name: tracked.name, now: now)
        armTimer()
    }

    /// The grace period of a deleted pod is over: SIGKILL whatever still runs.
    func forceKill(_ uid: String) {
        guard let tracked = pods[uid] else { return }
        for process in tracked.processes.values { process.send(SIGKILL) }
    }

    /// The pod ended by the script (OOMKilled, Evicted, ...) while its processes run: they die with it.
    func killProcesses(_ tracked: TrackedPod) {
        for process in tracked.processes.values { process.send(SIGKILL) }
    }
}
