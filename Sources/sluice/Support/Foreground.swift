import Dispatch
import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// Drives a run in the foreground with a live view; Ctrl-C aborts cleanly (a second Ctrl-C leaves at once,
/// leaving attempts to their supervisors for `sluice resume`).
enum Foreground {
    static func drive(_ controller: Controller, runID: String, json: Bool) throws -> Int32 {
        guard let (flow, _) = try controller.state(of: runID) else { throw CLIError.input("no run '\(runID)' in \(controller.runner.root)") }
        let driver = controller.driver(for: runID, leaseOwner: RunDriver.localOwner())
        let view = LiveView(flow: flow, mode: json ? .quiet : (isatty(1) == 1 ? .tree : .lines))
        driver.onStep = { state, events in view.update(state, events) }
        let interrupts = Interrupts(driver)
        let final = try driver.drive()
        interrupts.stop()
        view.finish(final)
        if json {
            var out: [String: LiteralValue] = ["run": .string(runID), "state": .string(final.header.phase.rawValue),
                                               "outputs": .map(final.header.outputs ?? [:])]
            if let f = final.header.failure { out["error"] = .string(f.message) }
            FileHandleOutput.standardOutput(TypedValues.json(.map(out)))
        }
        return final.header.phase == .succeeded ? 0 : 1
    }
}

/// SIGINT handling for a foreground run.
final class Interrupts: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private var count = 0

    init(_ driver: RunDriver) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            count += 1
            if count == 1 {
                FileHandleOutput.standardError("\nstopping: cancelling running tasks (Ctrl-C again to leave them running and exit)")
                driver.requestAbort(by: actingUser(nil), reason: "interrupted (Ctrl-C)")
            } else {
                FileHandleOutput.standardError("leaving; tasks keep running under their supervisors: sluice resume \(driver.runID)")
                exit(130)
            }
        }
        source.resume()
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// Shows a run as it goes: a redrawn tree on a terminal, one line per event otherwise.
final class LiveView: @unchecked Sendable {
    enum Mode { case tree, lines, quiet }
    let flow: CompiledFlow
    let mode: Mode
    private var drawn = 0
    private var latest: SluiceEngine.RunState?
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

    func update(_ state: SluiceEngine.RunState, _ events: [RunEvent]) {
        lock.lock()
        latest = state
        lock.unlock()
        if mode == .lines { for e in events { FileHandleOutput.standardOutput(Self.line(e)) } }
    }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        if let s = latest, !finished { draw(s) }
    }

    func finish(_ state: SluiceEngine.RunState) {
        timer?.cancel()
        lock.lock()
        finished = true
        lock.unlock()
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
        let lines = TreeText.render(RunView(flow: flow, state: state, now: now), color: true)
        var out = drawn > 0 ? "\u{1B}[\(drawn)A\u{1B}[J" : ""
        out += lines.joined(separator: "\n")
        FileHandleOutput.standardOutput(out)
        drawn = lines.count
    }

    /// One event as `HH:MM:SS.mmm  node  message`, in local time.
    static func line(_ e: RunEvent) -> String {
        var t = time_t(e.at.milliseconds / 1000)
        var parts = tm()
        localtime_r(&t, &parts)
        let clock = String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, Int(e.at.milliseconds % 1000))
        return "\(clock)  \(e.node.map { $0 + "  " } ?? "")\(e.message)"
    }
}
