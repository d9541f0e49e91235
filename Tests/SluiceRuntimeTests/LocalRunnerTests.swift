import Foundation
import Testing

@testable import SluiceRuntime

@Suite("LocalRunner: running attempts")
struct LocalRunnerTests {
    @Test func aTaskThatWritesOutputsExitsZeroWithThem() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run(#"printf '{"answer": 42}' > "$SLUICE_OUTPUTS""#)
        #expect(result.exitCode == 0)
        #expect(result.signal == nil)
        #expect(!result.killedByUs)
        #expect(result.outputsJSON == #"{"answer": 42}"#)
        #expect(result.outputsError == nil)
        #expect(result.outcome == .succeeded)
        #expect(result.finishedAt >= result.startedAt)
        #expect(result.maxRSSBytes > 0)
        let observations = fixture.log.all(for: handle)
        guard case .started(_, let pid, _) = observations.first else {
            Issue.record("expected .started first, got \(observations)")
            return
        }
        #expect(pid > 0)
        let folder = handle.directory
        #expect(FileManager.default.fileExists(atPath: folder + "/result.json"))
        #expect(FileManager.default.fileExists(atPath: folder + "/state.json"))
    }

    @Test func aTaskWithoutOutputsIsNotAnError() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, result) = try await fixture.run("true")
        #expect(result.outputsJSON == nil)
        #expect(result.outputsError == nil)
    }

    @Test func aNonZeroExitIsReportedAsAFailure() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, result) = try await fixture.run("exit 3")
        #expect(result.exitCode == 3)
        #expect(result.outcome == .failed(exitCode: 3))
    }

    @Test func aForeignSignalIsNotOurs() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, result) = try await fixture.run("kill -9 $$")
        #expect(result.exitCode == nil)
        #expect(result.signal == 9)
        #expect(!result.killedByUs)
        #expect(result.outcome == .killedBySignal(9))
    }

    @Test func theTaskGetsItsEnvironmentInputsAndWorkingDirectory() async throws {
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(
            fixture.launch(
                ["sh", "-c", #"env > env.txt; cat "$SLUICE_INPUTS" > inputs-copy.json; pwd > pwd.txt"#],
                node: "greet", attempt: 2, environment: ["GREETING": "hi there"], inputs: #"{"who": "world"}"#))
        let result = try await fixture.log.result(handle)
        #expect(result.exitCode == 0)
        let work = handle.directory + "/work"
        let environment = fixture.contents(work + "/env.txt").split(separator: "\n").map(String.init)
        for expected in [
            "SLUICE_RUN_ID=run-1", "SLUICE_NODE_ID=greet", "SLUICE_ATTEMPT=2", "GREETING=hi there",
            "SLUICE_INPUTS=\(handle.directory)/inputs.json", "SLUICE_OUTPUTS=\(handle.directory)/outputs.json",
            "SLUICE_PROGRESS=\(handle.directory)/progress.jsonl",
        ] {
            #expect(environment.contains(expected), "missing \(expected) in \(environment)")
        }
        #expect(environment.contains { $0.hasPrefix("PATH=") })
        #expect(fixture.contents(work + "/inputs-copy.json") == #"{"who": "world"}"#)
        #expect(fixture.contents(handle.directory + "/inputs.json") == #"{"who": "world"}"#)
        #expect(fixture.contents(work + "/pwd.txt") == work + "\n")
    }

    @Test func stdoutAndStderrGoToTheirLogFiles() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run("echo out; echo err >&2")
        #expect(result.exitCode == 0)
        let logs = fixture.runner.logPaths(handle)
        #expect(fixture.contents(logs.stdout) == "out\n")
        #expect(fixture.contents(logs.stderr) == "err\n")
    }

    @Test func tenMegabytesOfOutputGoStraightToTheFile() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run("head -c 10485760 /dev/zero")
        #expect(result.exitCode == 0)
        let size = try FileManager.default.attributesOfItem(atPath: fixture.runner.logPaths(handle).stdout)[.size] as? Int
        #expect(size == 10_485_760)
        // The bytes went from the task to the file: nothing in between held them.
        #expect(result.maxRSSBytes < 10_485_760)
    }

    @Test func aMissingExecutableExits127WithAMessage() async throws {
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(fixture.launch(["no-such-program-sluice"]))
        let result = try await fixture.log.result(handle)
        #expect(result.exitCode == 127)
        #expect(
            fixture.contents(fixture.runner.logPaths(handle).stderr)
                == "sluice: cannot run 'no-such-program-sluice': No such file or directory\n")
    }

    @Test func whatTheTaskLeftBehindIsKilledWhenItExits() async throws {
        let fixture = try LocalRunnerFixture()
        let (handle, result) = try await fixture.run("sleep 3600 & echo $! > background.pid")
        #expect(result.exitCode == 0)
        let background = try #require(
            Int32(fixture.contents(handle.directory + "/work/background.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await eventually { !isRunning(background) })
    }

    @Test func aFileThatIsNotExecutableExits126WithAMessage() async throws {
        let fixture = try LocalRunnerFixture()
        let script = fixture.root + "/not-executable.sh"
        #expect(FileManager.default.createFile(atPath: script, contents: Data("echo hi\n".utf8)))
        let handle = try fixture.runner.start(fixture.launch([script]))
        let result = try await fixture.log.result(handle)
        #expect(result.exitCode == 126)
        #expect(fixture.contents(fixture.runner.logPaths(handle).stderr) == "sluice: cannot run '\(script)': Permission denied\n")
    }

    @Test func oversizedOutputsAreAnErrorNotAResult() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, result) = try await fixture.run(#"head -c 5000000 /dev/zero | tr '\0' ' ' > "$SLUICE_OUTPUTS""#)
        #expect(result.exitCode == 0)
        #expect(result.outputsJSON == nil)
        #expect(result.outputsError?.contains("limit") == true)
        if case .badOutputs = result.outcome {} else { Issue.record("expected badOutputs, got \(result.outcome)") }
    }

    @Test func anEmptyCommandIsRejected() throws {
        let fixture = try LocalRunnerFixture()
        #expect(throws: LocalRunnerError.self) { try fixture.runner.start(fixture.launch([])) }
    }

    @Test func nodeIDsBecomeSafeDistinctFolderNames() throws {
        let fixture = try LocalRunnerFixture()
        let map = fixture.runner.handle(for: fixture.launch(["true"], node: "each[3]"))
        let nested = fixture.runner.handle(for: fixture.launch(["true"], node: "sub/greet", attempt: 2))
        var revert = fixture.launch(["true"], node: "..")
        revert.purpose = .revert
        #expect(map.directory == fixture.root + "/run-1/each(3)/1")
        #expect(nested.directory == fixture.root + "/run-1/sub+greet/2")
        #expect(fixture.runner.handle(for: revert).directory == fixture.root + "/run-1/%2E./1-revert")
        #expect(AttemptFolder.safeName("a+b") != AttemptFolder.safeName("a/b"))
    }
}
