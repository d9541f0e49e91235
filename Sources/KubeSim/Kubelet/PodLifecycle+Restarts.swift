import Foundation
import SluiceKube

/// Simulated containers that exit, and the kubelet restarting them under restartPolicy Always or
/// OnFailure with the back-off of client-go's flowcontrol.Backoff as the kubelet uses it: the first
/// restart is immediate; after each later exit the container waits in CrashLoopBackOff for the current
/// back-off, counted from the exit, which doubles at every restart up to the maximum (and starts over
/// once a run outlasts twice the maximum).
extension PodLifecycle {
    /// Run, exit, restart, ... up to `horizon` (a few cycles without one); the last stage is the end of
    /// the pod when no container restarts.
    func exitCycles(until horizon: Date?) -> [PodStage] {
        var stages: [PodStage] = []
        var runStart = startedAt
        var restartCount = 0
        var step: Duration?
        var lastRestart = startedAt
        var finished: [String: ContainerExit] = [:]
        for _ in 0..<(horizon == nil ? 4 : 100_000) {
            let end = runStart.adding(script.runDuration)
            let exits = simulatedExits(from: runStart, to: end)
            let restarting = containers.filter { finished[$0.name] == nil && restarts(exits[$0.name]!) }
            if restarting.isEmpty {
                stages.append(ended(exits: exits, at: end, restartCount: restartCount, finished: finished))
                return stages
            }
            if step != nil, end.timeIntervalSince(lastRestart) > 2 * Double(backoff.maximum / .milliseconds(1)) / 1000 {
                step = nil
            }
            let nextStart: Date
            if let current = step {
                stages.append(ended(exits: exits, at: end, restartCount: restartCount, backoff: current, finished: finished))
                nextStart = end.adding(current)
            } else {
                stages.append(ended(exits: exits, at: end, restartCount: restartCount, finished: finished))
                nextStart = end
            }
            step = backoff.next(after: step)
            lastRestart = nextStart
            for c in containers where finished[c.name] == nil && !restarts(exits[c.name]!) { finished[c.name] = exits[c.name] }
            restartCount += 1
            stages.append(restarted(at: nextStart, restartCount: restartCount, previous: exits, finished: finished))
            runStart = nextStart
            if let horizon, nextStart > horizon { break }
        }
        return stages
    }

    /// The restarted containers running again with their previous run as `lastState`.
    func restarted(at: Date, restartCount: Int, previous: [String: ContainerExit], finished: [String: ContainerExit]) -> PodStage {
        var statuses: [JSONValue] = []
        var events: [SimEvent] = []
        for c in containers {
            if let done = finished[c.name] {
                statuses.append(PodStatusDocument.containerStatus(c, state: .terminated(done), restartCount: restartCount))
                continue
            }
            let last = previous[c.name].map(PodStatusDocument.ContainerState.terminated)
            statuses.append(PodStatusDocument.containerStatus(c, state: .running(startedAt: at), lastState: last,
                                                              restartCount: restartCount))
            // An image already pulled is not pulled again unless the policy says Always.
            let policy = containerSpec(c.name)?["imagePullPolicy"]?.stringValue ?? "IfNotPresent"
            if policy == "Always" {
                events += pullEvents(c)
            } else {
                events.append(SimEvent(reason: "Pulled", message: "Container image \"\(c.image)\" already present on machine",
                                       fieldPath: SimEvent.container(c.name)))
            }
            events += startEvents(c)
        }
        return PodStage(kind: .running, at: at, status: runningStatus(statuses, at: at), events: events)
    }

    func containerSpec(_ name: String) -> JSONValue? {
        pod["spec"]?["containers"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    /// `terminationMessagePolicy: FallbackToLogsOnError`: a failed container without a message reports the
    /// tail of its log (at most 80 lines / 2048 bytes, pkg/kubelet/kuberuntime/kuberuntime_container.go).
    func terminationMessage(_ c: ContainerFacts, exitCode: Int32) -> String? {
        if let message = script.terminationMessage { return message }
        guard exitCode != 0, containerSpec(c.name)?["terminationMessagePolicy"]?.stringValue == "FallbackToLogsOnError" else {
            return nil
        }
        let log = script.log ?? "kubesim: container \(c.name) of pod \(namespace)/\(name) started\n"
            + "kubesim: container \(c.name) of pod \(namespace)/\(name) exited with code \(exitCode)\n"
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(81).joined(separator: "\n")
        return String(decoding: Array(lines.utf8.suffix(2048)), as: UTF8.self)
    }
}
