import Foundation
import SluiceKube

/// What the simulated kubelet does with one pod, read from its `kubesim.sluice.dev/...` annotations.
///
/// The annotation contract (all optional; durations are Go-style `250ms`, `2s`, `1m30s`, a bare number is
/// milliseconds):
///
/// | annotation | meaning | default |
/// |---|---|---|
/// | `kubesim.sluice.dev/outcome` | one of `PodOutcome`'s raw values | `Succeeded` (`Running` for `restartPolicy: Always`) |
/// | `kubesim.sluice.dev/schedule-delay` | creation -> PodScheduled, ContainerCreating | `0ms` |
/// | `kubesim.sluice.dev/start-delay` | scheduled -> Running (or ErrImagePull) | `50ms` |
/// | `kubesim.sluice.dev/run-duration` | Running -> the outcome (exit, eviction, preemption, ...) | `200ms` |
/// | `kubesim.sluice.dev/exit-code` | every container's exit code; non-zero fails the pod (reason Error); under `restartPolicy: Always` the container exits and is restarted | `0` (`1` for `Failed`) |
/// | `kubesim.sluice.dev/exit-code.<container>` | that container's exit code (beats `exit-code`) | |
/// | `kubesim.sluice.dev/termination-message` | `state.terminated.message` of every container | none |
/// | `kubesim.sluice.dev/log` | the container log (replaces the synthetic lines) | two lines naming the pod |
/// | `kubesim.sluice.dev/delete-after` | after a final outcome, the system deletes the pod this much later | never |
/// | `kubesim.sluice.dev/stop-delay` | a deleted running pod's containers take this long to stop (exit 137 once it reaches the grace period) | `0ms` |
///
/// With `--run-commands` the exit code, termination message and log come from the real process and
/// `run-duration`/`exit-code`/`log` are ignored; the other outcomes still apply.
/// An image `kubesim/<word>` (e.g. `kubesim/fail`, `kubesim/oom`) picks an outcome when no annotation does.
public struct PodScript: Sendable, Equatable {
    public static let prefix = "kubesim.sluice.dev/"

    public var outcome: PodOutcome
    public var scheduleDelay: Duration = .zero
    public var startDelay: Duration = .milliseconds(50)
    public var runDuration: Duration = .milliseconds(200)
    public var exitCode: Int32
    /// Exit codes of single containers, by name.
    public var containerExitCodes: [String: Int32] = [:]
    public var terminationMessage: String?
    public var log: String?
    public var deleteAfter: Duration?
    public var stopDelay: Duration = .zero

    public init(outcome: PodOutcome = .succeeded, exitCode: Int32? = nil) {
        self.outcome = outcome
        self.exitCode = exitCode ?? (outcome == .failed ? 1 : 0)
    }

    /// Reads the script of `pod`; `problems` names each annotation that was ignored and why.
    public init(pod: JSONObject, problems: inout [String]) {
        let annotations = pod["metadata"]?["annotations"]?.objectValue ?? JSONObject()
        func value(_ name: String) -> String? { annotations[Self.prefix + name]?.stringValue }
        func duration(_ name: String) -> Duration? {
            guard let text = value(name) else { return nil }
            if let d = Self.parseDuration(text) { return d }
            problems.append("\(Self.prefix)\(name): \"\(text)\" is not a duration like 250ms or 2s")
            return nil
        }
        let restartPolicy = pod["spec"]?["restartPolicy"]?.stringValue ?? "Always"
        var outcome: PodOutcome = restartPolicy == "Always" ? .running : .succeeded
        if let text = value("outcome") {
            if let o = PodOutcome(annotation: text) {
                outcome = o
            } else {
                let known = PodOutcome.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append("\(Self.prefix)outcome: \"\(text)\" is not one of \(known)")
            }
        } else if let o = Self.imageOutcome(pod) {
            outcome = o
        }
        func exitCode(_ name: String) -> Int32? {
            guard let text = value(name) else { return nil }
            if let code = Int32(text.trimmingCharacters(in: .whitespaces)), (0...255).contains(code) { return code }
            problems.append("\(Self.prefix)\(name): \"\(text)\" is not a number from 0 to 255")
            return nil
        }
        let exit = exitCode("exit-code")
        var perContainer: [String: Int32] = [:]
        for key in annotations.keys where key.hasPrefix(Self.prefix + "exit-code.") {
            let name = String(key.dropFirst(Self.prefix.count))
            if let code = exitCode(name) { perContainer[String(name.dropFirst("exit-code.".count))] = code }
        }
        if let exit, value("outcome") == nil {
            // An exit code makes the container exit, under restartPolicy Always too (which then restarts it).
            if exit != 0, outcome == .succeeded || outcome == .running { outcome = .failed }
            if exit == 0, outcome == .running { outcome = .succeeded }
        }
        self.init(outcome: outcome, exitCode: exit)
        containerExitCodes = perContainer
        if let d = duration("stop-delay") { stopDelay = d }
        if let d = duration("schedule-delay") { scheduleDelay = d }
        if let d = duration("start-delay") { startDelay = d }
        if let d = duration("run-duration") { runDuration = d }
        deleteAfter = duration("delete-after")
        terminationMessage = value("termination-message")
        log = value("log")
    }

    /// `kubesim/fail` and friends: a convenience for hand-written manifests.
    static func imageOutcome(_ pod: JSONObject) -> PodOutcome? {
        guard let image = pod["spec"]?["containers"]?.arrayValue?.first?["image"]?.stringValue,
              image.hasPrefix("kubesim/") else { return nil }
        let word = image.dropFirst("kubesim/".count).split(separator: ":").first.map(String.init) ?? ""
        switch word {
        case "fail", "failed", "error": return .failed
        case "oom", "oomkilled": return .oomKilled
        case "evicted": return .evicted
        case "pull-error", "imagepullbackoff": return .imagePullBackOff
        case "unschedulable": return .unschedulable
        case "sleep", "running": return .running
        default: return PodOutcome(annotation: word)
        }
    }

    /// Go-style durations (`1m30s`, `250ms`, `1.5s`); a bare number is milliseconds.
    public static func parseDuration(_ text: String) -> Duration? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        if let ms = Double(s), ms >= 0 { return .milliseconds(Int64(ms)) }
        var total: Double = 0
        var rest = Substring(s)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let n = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += n / 1000
            case "s": total += n
            case "m": total += n * 60
            case "h": total += n * 3600
            default: return nil
            }
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }
}

/// How a simulated pod ends (or stays).
public enum PodOutcome: String, Sendable, CaseIterable {
    /// Containers exit 0: phase Succeeded.
    case succeeded = "Succeeded"
    /// Containers exit with `exit-code` (default 1), reason Error: phase Failed.
    case failed = "Failed"
    /// Containers are killed for memory: reason OOMKilled, exit code 137.
    case oomKilled = "OOMKilled"
    /// The kubelet evicts the pod for memory pressure: phase Failed, reason Evicted.
    case evicted = "Evicted"
    /// The image never pulls: ErrImagePull, then ImagePullBackOff for good.
    case imagePullBackOff = "ImagePullBackOff"
    /// The scheduler finds no node: PodScheduled False, reason Unschedulable, for good.
    case unschedulable = "Unschedulable"
    /// The node stops reporting: phase Unknown, reason NodeLost (deleted too with `delete-after`).
    case nodeLost = "NodeLost"
    /// The system deletes the running pod (a drain's eviction): DisruptionTarget, then deletion.
    case deleted = "Deleted"
    /// The scheduler preempts the pod: DisruptionTarget reason PreemptionByScheduler, then deletion.
    case preempted = "Preempted"
    /// Containers run until the pod is deleted.
    case running = "Running"

    /// Case-insensitive match on the raw value.
    init?(annotation: String) {
        let wanted = annotation.trimmingCharacters(in: .whitespaces).lowercased()
        guard let found = Self.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else { return nil }
        self = found
    }
}
