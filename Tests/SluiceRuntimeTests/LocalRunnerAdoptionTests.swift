import Foundation
import Testing

@testable import SluiceRuntime

/// A controller restart, simulated by dropping one runner and making another on the same root.
@Suite("LocalRunner: adoption")
struct LocalRunnerAdoptionTests {
    /// Waits in its work folder until the test creates `go`, then writes outputs.
    static let waitForGo = waitForGoFile + #"; printf '{"ok": true}' > "$SLUICE_OUTPUTS""#

    @Test func aRestartedRunnerAdoptsARunningAttemptAndSeesItsExit() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/sluice-local-\(UUID().uuidString)"
        var first: LocalRunnerFixture? = try LocalRunnerFixture(root: root, removesRoot: false)
        let handle = try first!.runner.start(first!.launch(["sh", "-c", Self.waitForGo]))
        let taskPid = try await first!.log.started(handle)
        first = nil  // the controller goes away; its supervisor does not

        let second = try LocalRunnerFixture(root: root)
        #expect(second.runner.adopt(runID: "run-1") == [handle])
        #expect(try await second.log.started(handle) == taskPid)
        #expect(isRunning(taskPid))
        touch(handle.directory + "/work/go")
        let result = try await second.log.result(handle)
        #expect(result.exitCode == 0)
        #expect(result.outputsJSON == #"{"ok": true}"#)
    }

    @Test func anAttemptThatEndedWhileNobodyWatchedIsReportedOnAdopt() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/sluice-local-\(UUID().uuidString)"
        var first: LocalRunnerFixture? = try LocalRunnerFixture(root: root, removesRoot: false)
        let handle = try first!.runner.start(first!.launch(["sh", "-c", Self.waitForGo]))
        _ = try await first!.log.started(handle)
        first = nil
        touch(handle.directory + "/work/go")
        #expect(try await eventually { FileManager.default.fileExists(atPath: handle.directory + "/result.json") })

        let second = try LocalRunnerFixture(root: root)
        #expect(second.runner.adopt(runID: "run-1") == [handle])
        let result = try await second.log.result(handle)
        #expect(result.exitCode == 0)
        #expect(result.outputsJSON == #"{"ok": true}"#)
    }

    @Test func aSupervisorKilledWithItsTaskIsLost() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/sluice-local-\(UUID().uuidString)"
        var first: LocalRunnerFixture? = try LocalRunnerFixture(root: root, removesRoot: false)
        let handle = try first!.runner.start(first!.launch(["sleep", "3600"]))
        let taskPid = try await first!.log.started(handle)
        first = nil
        let state = try #require(SupervisorState.read(AttemptFolder(path: handle.directory)))
        kill(state.supervisorPid, SIGKILL)
        kill(taskPid, SIGKILL)
        var status: Int32 = 0
        waitpid(state.supervisorPid, &status, 0)  // it was our child: the dropped runner spawned it

        let second = try LocalRunnerFixture(root: root)
        #expect(second.runner.adopt(runID: "run-1") == [handle])
        guard case .lost(_, let reason) = try await second.log.end(handle) else {
            Issue.record("expected .lost")
            return
        }
        #expect(reason.contains("without writing a result"))
    }

    @Test func aSupervisorKilledUnderAWatchingRunnerIsLostAndItsTaskStopped() async throws {
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(fixture.launch(["sleep", "3600"]))
        let taskPid = try await fixture.log.started(handle)
        let state = try #require(SupervisorState.read(AttemptFolder(path: handle.directory)))
        kill(state.supervisorPid, SIGKILL)
        guard case .lost(_, let reason) = try await fixture.log.end(handle) else {
            Issue.record("expected .lost")
            return
        }
        #expect(reason.contains("has been killed"))
        #expect(try await eventually { !isRunning(taskPid) })
    }

    @Test func startingTheSameAttemptTwiceRunsItOnce() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/sluice-local-\(UUID().uuidString)"
        let fixture = try LocalRunnerFixture(root: root)
        let marker = root + "/marker"
        let launch = fixture.launch(
            ["sh", "-c", #"echo started >> "$MARKER"; "# + Self.waitForGo], environment: ["MARKER": marker])
        let handle = try fixture.runner.start(launch)
        #expect(try fixture.runner.start(launch) == handle)
        // A second controller on the same root (the first one crashed between decide and act).
        let other = try LocalRunnerFixture(root: root, removesRoot: false)
        #expect(try other.runner.start(launch) == handle)
        _ = try await other.log.started(handle)

        touch(handle.directory + "/work/go")
        #expect(try await fixture.log.result(handle).exitCode == 0)
        #expect(try await other.log.result(handle).exitCode == 0)
        // Starting a finished attempt reports its result again instead of running it.
        #expect(try fixture.runner.start(launch) == handle)
        #expect(fixture.contents(marker) == "started\n")
    }

    /// A stand-in controller (a shell in its own process group) starts a supervisor and is
    /// SIGKILLed with its whole group; the attempt still runs to its end and records it.
    @Test func anAttemptOutlivesItsControllerKilledWithMinus9() async throws {
        let fixture = try LocalRunnerFixture()
        let supervisor = try SupervisorLauncher.locate(nil).executable
        let folder = AttemptFolder(path: fixture.root + "/standalone")
        try FileManager.default.createDirectory(atPath: folder.work, withIntermediateDirectories: true)
        let controller = "'\(supervisor)' '\(folder.path)' -- sh -c 'sleep 0.3; echo done' & wait"

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = ["sh", "-c", controller].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ) == 0)

        #expect(try await eventually { FileManager.default.fileExists(atPath: folder.state) })
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(try await eventually { FileManager.default.fileExists(atPath: folder.result) })
        #expect(fixture.contents(folder.result).contains(#""exitCode":0,"#))
        #expect(fixture.contents(folder.stdout) == "done\n")
    }

    @Test func adoptOfAnUnknownRunFindsNothing() throws {
        let fixture = try LocalRunnerFixture()
        #expect(fixture.runner.adopt(runID: "never-ran").isEmpty)
    }
}
