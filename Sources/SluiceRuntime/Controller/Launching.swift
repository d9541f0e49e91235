import SluiceEngine
import SluiceModel

/// Turns the engine's attempt specs into local launches.
enum Launching {
    static func launch(_ spec: AttemptSpec, callback: CallbackConfig? = nil) -> AttemptLaunch {
        var env: [String: String] = [:]
        for e in spec.env { env[e.name] = e.value }
        if let callback {
            let purpose = spec.ref.purpose == .revert ? "revert" : "run"
            for (k, v) in callback.environment(runID: spec.runID, node: spec.ref.node, attempt: spec.ref.attempt, purpose: purpose) {
                env[k] = v
            }
        }
        let memory = (spec.resources.limits.memory ?? spec.resources.requests.memory).map { Int64(clamping: $0.milliValue / 1000) }
        let cpu = spec.resources.limits.cpu.map { Int64(clamping: $0.milliValue) }
        return AttemptLaunch(runID: spec.runID, nodeID: spec.ref.node, attempt: spec.ref.attempt,
                             purpose: spec.ref.purpose == .revert ? .revert : .run, command: spec.command,
                             environment: env, inputsJSON: spec.inputsJSON, memoryLimitBytes: memory, cpuLimitMillis: cpu)
    }

    static func ref(_ h: AttemptHandle) -> AttemptRef {
        AttemptRef(node: h.nodeID, attempt: h.attempt, purpose: h.purpose == .revert ? .revert : .run)
    }

    /// The engine's view of a finished attempt.
    static func exit(_ r: AttemptResult, stderrTail: String?) -> AttemptExit {
        AttemptExit(exitCode: r.exitCode, signal: r.signal, killedByUs: r.killedByUs, oomKilled: r.oomKilled,
                    outputsJSON: r.outputsJSON, outputsError: r.outputsError, maxRSSBytes: r.maxRSSBytes, cpuMillis: r.cpuMillis,
                    detail: stderrTail)
    }
}
