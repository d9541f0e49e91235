import Foundation
import Testing

@testable import SluiceRuntime

@Suite("LocalRunner: cancel")
struct LocalRunnerCancelTests {
    @Test func cancelKillsTheWholeProcessGroupQuickly() async throws {
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(
            fixture.launch(["sh", "-c", "sleep 3600 & echo $! > background.pid; sleep 3600"]))
        let taskPid = try await fixture.log.started(handle)
        let pidFile = handle.directory + "/work/background.pid"
        #expect(try await eventually { !fixture.contents(pidFile).isEmpty })
        let background = try #require(Int32(fixture.contents(pidFile).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(isRunning(background))

        fixture.runner.cancel(handle)
        let result = try await fixture.log.result(handle)
        #expect(result.killedByUs)
        // SIGTERM, not the SIGKILL that ends the 5 s grace: the polite stop did it.
        #expect(result.signal == SIGTERM)
        #expect(result.outcome == .cancelled)
        // The supervisor kills the group's leftovers right after the task ends: gone within moments.
        #expect(try await eventually { !isRunning(taskPid) && !isRunning(background) })
    }

    @Test func aTaskThatIgnoresSIGTERMIsKilledAfterTheGrace() async throws {
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(
            fixture.launch(["sh", "-c", "trap '' TERM; touch ready; sleep 3600"]))
        _ = try await fixture.log.started(handle)
        #expect(try await eventually { FileManager.default.fileExists(atPath: handle.directory + "/work/ready") })
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        fixture.runner.cancel(handle, grace: .milliseconds(300))
        let result = try await fixture.log.result(handle)
        let took = clock.now - cancelledAt
        #expect(took >= .milliseconds(300))
        #expect(result.signal == SIGKILL)
        #expect(result.killedByUs)
    }

    @Test func cancelRightAfterStartStillCancels() async throws {
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(fixture.launch(["sleep", "3600"]))
        fixture.runner.cancel(handle, grace: .zero)
        let result = try await fixture.log.result(handle)
        #expect(result.killedByUs)
        #expect(result.signal == SIGKILL)
    }

    @Test func cancelAfterTheEndChangesNothing() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run("exit 0")
        fixture.runner.cancel(handle)
        #expect(result.exitCode == 0)
        #expect(!result.killedByUs)
    }
}
