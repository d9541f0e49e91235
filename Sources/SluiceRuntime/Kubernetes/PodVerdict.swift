import Foundation
import SluiceKube

/// What one observed pod means for its attempt: the phase table of docs/reference/pod-phases.md as a pure
/// function of the pod document (no clock, no I/O), so every row is tested without a cluster.
public enum PodVerdict: Sendable, Equatable {
    /// Pending for an ordinary reason (being scheduled, pulling, creating); `note` says what it waits for.
    case pending(note: String?)
    /// The scheduler found no node. Queued; a system failure once it stays so past the unschedulable grace.
    case unschedulable(String)
    /// The image does not pull (ErrImagePull, ImagePullBackOff). A user failure once past the pull grace.
    case imagePull(String)
    /// The kubelet refuses the container as written (InvalidImageName, CreateContainerConfigError,
    /// CreateContainerError): a user failure retrying cannot fix.
    case refused(String)
    /// The task's container runs.
    case running(startedAt: Date?)
    /// The task's container ended: exit code, termination message (the outputs file), OOM and times.
    case ended(Ending)
    /// The pod is gone without the task's doing: evicted, preempted, its node lost, its container status
    /// unknown. A system failure, retried from the system budget.
    case lost(String)

    public struct Ending: Sendable, Equatable {
        public var exitCode: Int32
        public var signal: Int32?
        /// `state.terminated.message`: the task's outputs file, up to 4 KiB.
        public var message: String?
        public var oomKilled: Bool
        /// The container's memory limit as written in the pod, for the OOM message.
        public var memoryLimit: String?
        public var reason: String?
        public var startedAt: Date?
        public var finishedAt: Date?
    }

    /// The name of the container that runs the task.
    public static let taskContainer = "task"

    /// Reads `pod` (a v1 Pod as the API server returns it).
    public static func of(_ pod: JSONObject, container: String = taskContainer) -> PodVerdict {
        let status = PodStatus(object: pod["status"]?.objectValue ?? JSONObject())
        let conditions = status.conditions
        let statuses = status.containerStatuses
        let task = statuses.first { $0.name == container } ?? statuses.first
        // Disruptions first: a preempted or evicted pod may still show a running container.
        if let d = conditions.first(where: { $0.type == "DisruptionTarget" && $0.isTrue }) {
            let why: String
            switch d.reason {
            case "PreemptionByScheduler": why = "preempted by the scheduler"
            case "TerminationByKubelet": why = "evicted by the kubelet"
            case "EvictionByEvictionAPI": why = "evicted (a drain or the eviction API)"
            case "DeletionByTaintManager": why = "deleted by the taint manager (its node became unusable)"
            case "DeletionByPodGC": why = "deleted by the pod garbage collector (its node is gone)"
            default: why = "disrupted (\(d.reason ?? "DisruptionTarget"))"
            }
            return .lost(why + (d.message.map { ": \($0)" } ?? ""))
        }
        if status.reason == "Evicted" { return .lost("evicted" + (status.message.map { ": \($0)" } ?? "")) }
        if status.reason == "NodeLost" || status.phase == .unknown {
            return .lost("its node stopped reporting (\(status.reason ?? "phase Unknown"))" + (status.message.map { ": \($0)" } ?? ""))
        }
        if let t = task?.state.terminated {
            if t.reason == "ContainerStatusUnknown" {
                return .lost("its container's status is unknown" + (t.message.map { ": \($0)" } ?? ""))
            }
            let code = Int32(clamping: t.exitCode ?? -1)
            let limit = podContainer(pod, container)?["resources"]?["limits"]?["memory"]?.stringValue
            return .ended(Ending(exitCode: code, signal: t.signal.map { Int32(clamping: $0) }, message: t.message,
                                 oomKilled: t.reason == "OOMKilled", memoryLimit: limit, reason: t.reason,
                                 startedAt: t.startedAt, finishedAt: t.finishedAt))
        }
        if status.phase == .failed || status.phase == .succeeded {
            // Finished without a terminated state for the task (it never ran: DeadlineExceeded, a failed init).
            return .lost("the pod \(status.phase == .failed ? "failed" : "ended") before its task ran" +
                         ([status.reason, status.message].compactMap { $0 }.isEmpty ? "" : ": " + [status.reason, status.message].compactMap { $0 }.joined(separator: ": ")))
        }
        if let running = task?.state.running { return .running(startedAt: running.startedAt) }
        if let waiting = task?.state.waiting ?? status.initContainerStatuses.compactMap({ $0.state.waiting }).first(where: { refusals.contains($0.reason ?? "") || pullFailures.contains($0.reason ?? "") }) {
            let reason = waiting.reason ?? ""
            let text = reason + (waiting.message.map { ": \($0)" } ?? "")
            if pullFailures.contains(reason) { return .imagePull(text) }
            if refusals.contains(reason) { return .refused(text) }
            return .pending(note: reason.isEmpty ? nil : text)
        }
        if let s = conditions.first(where: { $0.type == "PodScheduled" }), !s.isTrue, s.reason == "Unschedulable" {
            return .unschedulable(s.message ?? "no node fits the pod")
        }
        return .pending(note: status.reason)
    }

    static let pullFailures: Set<String> = ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "RegistryUnavailable", "ImageInspectError"]
    static let refusals: Set<String> = ["InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"]

    static func podContainer(_ pod: JSONObject, _ name: String) -> JSONValue? {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        return containers.first { $0["name"]?.stringValue == name } ?? containers.first
    }
}
