import Foundation
import Synchronization
import Testing

@testable import SluiceRuntime

/// A runner on its own temporary root, with every observation it reports kept for assertions.
final class LocalRunnerFixture: Sendable {
    let root: String
    let runner: LocalRunner
    let log: ObservationLog
    private let removesRoot: Bool

    /// - Parameters:
    ///   - root: an existing root, to play a restarted controller; a new temporary one by default.
    ///   - removesRoot: false for a runner that is dropped while another goes on with its root.
    init(root: String? = nil, removesRoot: Bool = true) throws {
        let root = root ?? FileManager.default.temporaryDirectory.path + "/sluice-local-\(UUID().uuidString)"
        self.root = root
        self.removesRoot = removesRoot
        self.runner = try LocalRunner(root: root)
        self.log = ObservationLog(runner)
    }

    func launch(
        _ command: [String], node: String = "step", attempt: Int = 1, run: String = "run-1",
        environment: [String: String] = [:], inputs: String = "{}", memory: Int64? = nil, cpu: Int64? = nil
    ) -> AttemptLaunch {
        AttemptLaunch(
            runID: run, nodeID: node, attempt: attempt, command: command, environment: environment,
            inputsJSON: inputs, memoryLimitBytes: memory, cpuLimitMillis: cpu)
    }

    /// Starts `sh -c script` and waits for its end.
    func run(_ script: String, environment: [String: String] = [:], memory: Int64? = nil, cpu: Int64? = nil)
        async throws -> (AttemptHandle, AttemptResult)
    {
        let handle = try runner.start(launch(["sh", "-c", script], environment: environment, memory: memory, cpu: cpu))
        return (handle, try await log.result(handle))
    }

    func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    deinit {
        if removesRoot { try? FileManager.default.removeItem(atPath: root) }
    }
}

/// Everything a runner reported, in order, and ways to wait for what a test expects.
final class ObservationLog: Sendable {
    struct Timeout: Error, CustomStringConvertible {
        var waitingFor: String
        var seen: [AttemptObservation]
        var description: String { "timed out waiting for \(waitingFor); saw \(seen)" }
    }

    private let seen = Mutex<[AttemptObservation]>([])

    /// Kept as the runner's watcher thread reports them (not through a task on the Swift pool, which a busy
    /// test run may starve long enough for a superseded progress update to be dropped).
    init(_ runner: LocalRunner) {
        runner.deliverObservations { [self] observation in seen.withLock { $0.append(observation) } }
    }

    func all(for handle: AttemptHandle) -> [AttemptObservation] {
        seen.withLock { $0.filter { $0.handle == handle } }
    }

    /// The first observation that matches, waiting up to `timeout` for it.
    func wait(
        _ what: String, timeout: Duration = .seconds(60), _ match: @escaping (AttemptObservation) -> Bool
    ) async throws -> AttemptObservation {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = seen.withLock({ $0.first(where: match) }) { return found }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw Timeout(waitingFor: what, seen: seen.withLock { $0 })
    }

    func started(_ handle: AttemptHandle) async throws -> Int32 {
        let observation = try await wait("start of \(handle)") {
            if case .started(handle, _, _) = $0 { return true }
            return false
        }
        guard case .started(_, let pid, _) = observation else { return -1 }
        return pid
    }

    /// The attempt's end: its result, or a test failure naming the loss.
    func result(_ handle: AttemptHandle, timeout: Duration = .seconds(60)) async throws -> AttemptResult {
        let observation = try await end(handle, timeout: timeout)
        guard case .exited(_, let result) = observation else {
            Issue.record("expected \(handle) to exit, got \(observation)")
            throw Timeout(waitingFor: "exit", seen: [observation])
        }
        return result
    }

    func end(_ handle: AttemptHandle, timeout: Duration = .seconds(60)) async throws -> AttemptObservation {
        try await wait("end of \(handle)", timeout: timeout) {
            switch $0 {
            case .exited(handle, _), .lost(handle, _): return true
            default: return false
            }
        }
    }
}

/// Shell that waits (at most ~20 s, so a failed test leaves nothing behind) for `go` in the work folder.
let waitForGoFile = "i=0; while [ ! -e go ] && [ $i -lt 12000 ]; do sleep 0.01; i=$((i+1)); done"

/// Creates an empty file (the tasks in these tests wait for one).
func touch(_ path: String) {
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
}

/// Whether `pid` is a live process (zombies count as gone).
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let paren = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(paren, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Waits until `condition` holds, up to `timeout`.
func eventually(timeout: Duration = .seconds(60), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
