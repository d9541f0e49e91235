import Foundation
import Testing

@testable import SluiceRuntime

@Suite("LocalRunner: limits and progress")
struct LocalRunnerLimitsTests {
    static let notEnforced = "cannot be enforced on this machine"

    /// Where a memory cgroup is writable the task is OOM-killed; elsewhere stderr.log says
    /// the limit was not enforced and the task runs to its end.
    @Test func aTaskBeyondItsMemoryLimitIsOOMKilledOrWarnedAbout() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run(
            #"perl -e '$x = "a" x 300_000_000; print length($x)'"#, memory: 64 * 1024 * 1024)
        let stderr = fixture.contents(fixture.runner.logPaths(handle).stderr)
        if stderr.contains(Self.notEnforced) {
            #expect(stderr.hasPrefix("sluice: the memory limit of 67108864 bytes cannot be enforced"))
            #expect(!result.oomKilled)
            #expect(result.exitCode == 0)
        } else {
            #expect(result.oomKilled)
            #expect(result.outcome == .outOfMemory)
            #expect(result.exitCode != 0)
            #expect(fixture.contents(fixture.runner.logPaths(handle).stdout).isEmpty)
        }
    }

    @Test func aTaskWithinItsMemoryLimitRunsNormally() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, result) = try await fixture.run(#"perl -e '$x = "a" x 10_000_000'"#, memory: 256 * 1024 * 1024)
        #expect(result.exitCode == 0)
        #expect(!result.oomKilled)
    }

    @Test func aCPULimitSlowsABusyTaskOrIsWarnedAbout() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run("timeout 0.5 sh -c 'while :; do :; done'", cpu: 100)
        #expect(result.exitCode == 124)  // timeout's own code: the loop ran until stopped
        let stderr = fixture.contents(fixture.runner.logPaths(handle).stderr)
        if !stderr.contains(Self.notEnforced) {
            // 100m of 500 ms is 50 ms; unlimited it would be ~500 ms.
            #expect(result.cpuMillis < 250, "cpu \(result.cpuMillis) ms")
        }
    }

    @Test func progressLinesAreReportedWhileRunningAndAtTheEnd() async throws {
        let fixture = try LocalRunnerFixture()
        let script = #"""
            echo '{"progress": 0.25, "message": "warming up"}' >> "$SLUICE_PROGRESS"
            \#(waitForGoFile)
            echo 'not json' >> "$SLUICE_PROGRESS"
            echo '{"progress": 1, "message": "done", "metrics": {"loss": 0.5, "note": "x"}}' >> "$SLUICE_PROGRESS"
            """#
        let handle = try fixture.runner.start(fixture.launch(["sh", "-c", script]))
        let first = try await fixture.log.wait("first progress") {
            if case .progress(handle, _) = $0 { return true }
            return false
        }
        guard case .progress(_, let update) = first else { return }
        #expect(update == ProgressUpdate(progress: 0.25, message: "warming up"))

        touch(handle.directory + "/work/go")
        #expect(try await fixture.log.result(handle).exitCode == 0)
        let updates = fixture.log.all(for: handle).compactMap { observation -> ProgressUpdate? in
            if case .progress(_, let update) = observation { return update }
            return nil
        }
        #expect(updates.last == ProgressUpdate(progress: 1, message: "done", metrics: ["loss": 0.5]))
        guard case .exited = fixture.log.all(for: handle).last else {
            Issue.record("the exit should come after the last progress")
            return
        }
    }

    @Test func progressLinesParseFromTheFileTail() {
        let text = #"{"progress": 0.1}"# + "\n" + #"{"progress": 0.2, "metrics": {"a": 1}}"# + "\n" + #"{"progress": 0.3"#
        let bytes = Array(text.utf8)
        #expect(ProgressUpdate.latest(in: bytes, final: false) == ProgressUpdate(progress: 0.2, metrics: ["a": 1]))
        #expect(ProgressUpdate.latest(in: bytes, final: true) == ProgressUpdate(progress: 0.2, metrics: ["a": 1]))
        #expect(ProgressUpdate.latest(in: Array("{\"message\": \"m\"}".utf8), final: true) == ProgressUpdate(message: "m"))
    }
}
