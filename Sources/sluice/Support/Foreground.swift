import Dispatch
import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// Drives a run in the foreground with a live view, on the same controller loop `sluice serve` uses.
///
/// Signals: the first Ctrl-C aborts the run (running tasks are cancelled, nothing new starts) and waits for
/// the abort to finish; a second Ctrl-C leaves at once (the abort is recorded: `sluice resume` completes it).
/// SIGTERM and Ctrl-\ (SIGQUIT) detach: the run's tasks keep running and `sluice resume RUN` continues it. A closed terminal
/// (SIGHUP) or a closed pipe (SIGPIPE, `| head`) does not stop the run: it is driven to its end without output.
enum Foreground {
    static func drive(_ controller: Controller, runID: String, format: OutputFormat) throws -> Int32 {
        guard let (flow, _) = try controller.state(of: runID) else { throw CLIError.input("no run '\(runID)' in \(controller.directory)") }
        let view = LiveView(flow: flow, mode: format != .text ? .quiet : (Terminal.isRich ? .tree : .lines))
        let signals = ForegroundSignals(controller: controller, runID: runID)
        controller.start()
        controller.drive(runID) { state, events in view.update(state, events) }
        let final: SluiceEngine.RunState
        do { final = try controller.waitForEnd(runID) } catch {
            signals.stop()
            view.finish(nil)
            if let sig = signals.detachedBy {
                controller.close()
                FileHandleOutput.standardError("\nsluice: detached from run \(runID); its tasks keep running. Continue it with: sluice resume \(runID)")
                return sig == SIGTERM ? 143 : 0
            }
            throw CLIError.input("cannot drive run \(runID): \(error)")
        }
        signals.stop()
        deleteFinishedPods(controller, runID: runID)
        controller.close()
        view.finish(final)
        try printOutcome(final, runID: runID, format: format)
        return final.header.phase == .succeeded ? 0 : 1
    }

    /// With `-o json|yaml`: the run's end as one document (run, state, outputs, error); nothing for text.
    static func printOutcome(_ final: SluiceEngine.RunState, runID: String, format: OutputFormat) throws {
        guard format != .text else { return }
        var out: [String: LiteralValue] = ["run": .string(runID), "state": .string(final.header.phase.rawValue),
                                           "outputs": .map(final.header.outputs ?? [:])]
        if let f = final.header.failure { out["error"] = .string(f.message) }
        let json = TypedValues.json(.map(out))
        FileHandleOutput.standardOutput(format == .json ? json : try YAMLText.from(json: json))
    }
}

extension Foreground {
    /// On Kubernetes: the pods of the run are deleted now, once their logs are in the store, instead of after
    /// --pod-delete-after (this process, which would delete them then, is about to exit).
    static func deleteFinishedPods(_ controller: Controller, runID: String) {
        let backend = (controller.backend as? PluginBackend)?.inner ?? controller.backend
        guard let kube = backend as? KubernetesBackend else { return }
        let limit = Duration.seconds(60)
        let done = Blocking.run { await kube.finishCleanup(within: limit) }
        if !done {
            FileHandleOutput.standardError("sluice: warning: the run's pods were not all cleaned up within \(limit); delete the rest with: kubectl delete pods -n \(kube.namespace) -l \(PodPlan.runSelector(runID))")
        }
    }
}

/// SIGINT, SIGTERM, SIGHUP and SIGPIPE for a foreground run (see `Foreground`).
final class ForegroundSignals: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var interrupts = 0
    private var detachSignal: Int32?

    /// The signal that detached the run (the controller stopped on purpose), if one did.
    var detachedBy: Int32? { lock.withLock { detachSignal } }

    init(controller: Controller, runID: String) {
        for sig in Self.handled {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in handle(sig, controller, runID) }
            source.resume()
            sources.append(source)
        }
    }

    static let handled = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    private func handle(_ sig: Int32, _ controller: Controller, _ runID: String) {
        switch sig {
        case SIGHUP:
            // The terminal is gone: keep driving, quietly (writes to it fail and are ignored).
            return
        case SIGTERM, SIGQUIT:
            // The waiting main thread sees the controller stop and says how to continue.
            lock.withLock { detachSignal = sig }
            controller.stop()
        default:
            let count = lock.withLock { interrupts += 1; return interrupts }
            if count == 1 {
                FileHandleOutput.standardError("\naborting run \(runID): cancelling running tasks (Ctrl-C again to stop waiting; `sluice resume \(runID)` then finishes the abort)")
                controller.requestAbort(runID, by: actingUser(nil), reason: "interrupted (Ctrl-C)")
            } else {
                FileHandleOutput.standardError("leaving; the abort is recorded and finishes with: sluice resume \(runID)")
                exit(130)
            }
        }
    }

    func stop() {
        for s in sources { s.cancel() }
        for sig in Self.handled { signal(sig, SIG_DFL) }
    }
}

/// Shows a run as it goes: a redrawn tree on a terminal, one line per event otherwise.
final class LiveView: @unchecked Sendable {
    enum Mode { case tree, lines, quiet }
    let flow: CompiledFlow
    let mode: Mode
    private var frame = Terminal.Frame()
    private var latest: SluiceEngine.RunState?
    private var latestAt = ContinuousClock.now
    private var finished = false
    private let lock = NSLock()
    private var timer: DispatchSourceTimer?

    init(flow: CompiledFlow, mode: Mode) {
        self.flow = flow
        self.mode = mode
        if mode == .tree {
            // Redraw on a clock rather than on every step: bursts of steps cost one frame, and durations
            // keep ticking while the run waits.
            let t = DispatchSource.makeTimerSource(queue: .global())
            t.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(200))
            t.setEventHandler { [weak self] in self?.tick() }
            t.resume()
            timer = t
        }
    }

    /// Called on a worker thread after each step. Keeping the state makes the engine's next step copy the
    /// node table, so the tree keeps one at most every 100 ms.
    func update(_ state: SluiceEngine.RunState, _ events: [RunEvent]) {
        switch mode {
        case .quiet: return
        case .lines:
            // A gate that starts waiting says, in its event's line, the command that answers it.
            let waiting = events.contains { $0.node.map { state.nodes[$0]?.phase == .waiting } ?? false }
                ? Dictionary(GateActions.pending(flow: flow, state: state).map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a }) : [:]
            for e in events {
                var line = Self.line(e)
                if let node = e.node, let g = waiting[node], e.message.hasPrefix("waiting"),
                   let command = TreeText.answer(.init(waiting: g),
                                                 node: node, run: state.header.id, server: nil) {
                    line += " · " + command
                }
                FileHandleOutput.standardOutput(line)
            }
        case .tree:
            lock.withLock {
                let now = ContinuousClock.now
                if latest == nil || now - latestAt >= .milliseconds(100) || state.header.phase.isFinal {
                    latest = state
                    latestAt = now
                }
            }
        }
    }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        if let s = latest, !finished { draw(s) }
    }

    func finish(_ state: SluiceEngine.RunState?) {
        timer?.cancel()
        lock.lock()
        finished = true
        lock.unlock()
        guard let state else { return }
        switch mode {
        case .quiet: return
        case .tree: lock.withLock { draw(state) }
        case .lines:
            let v = RunView(flow: flow, state: state, now: state.header.finishedAt ?? state.header.createdAt)
            for l in TreeText.render(v, color: false) { FileHandleOutput.standardOutput(l) }
        }
    }

    private func draw(_ state: SluiceEngine.RunState) {
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let lines = TreeText.render(RunView(flow: flow, state: state, now: now), .init(color: true, height: Terminal.rows))
        frame.draw(lines)
    }

    /// One event as `HH:MM:SS.mmm  node  message`, in local time.
    static func line(_ e: RunEvent) -> String {
        var t = time_t(e.at.milliseconds / 1000)
        var parts = tm()
        localtime_r(&t, &parts)
        let clock = String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, Int(e.at.milliseconds % 1000))
        return "\(clock)  \(e.node.map { $0 + "  " } ?? "")\(TerminalText.visible(e.message))"
    }
}
