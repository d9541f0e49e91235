import Foundation
import Testing

@testable import SluiceRuntime

/// The supervisor host forks attempt supervisors (one exec per attempt); the runner copes when it is gone.
@Suite("LocalRunner: supervisor host")
struct LocalRunnerHostTests {
    /// The parent pid of `pid`, from /proc.
    static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    @Test func anAttemptsSupervisorIsForkedByTheHostAndOutlivesIt() async throws {
        // A descriptor this process leaves inheritable, as Foundation's pipes are: the host must not keep it.
        var inheritable: [Int32] = [-1, -1]
        #expect(pipe(&inheritable) == 0)
        defer { inheritable.forEach { close($0) } }
        let fixture = try LocalRunnerFixture()
        let handle = try fixture.runner.start(fixture.launch(["sh", "-c", waitForGoFile + "; echo done"]))
        _ = try await fixture.log.started(handle)
        let host = try #require(fixture.runner.supervisorHostPid, "no supervisor host runs after a start")
        let state = try #require(SupervisorState.read(AttemptFolder(path: handle.directory)))
        #expect(Self.parent(of: state.supervisorPid) == host)
        #expect(Self.parent(of: host) == getpid())
        // The host holds its standard streams, its socket and its signalfd: nothing of this process (a pipe a
        // reader waits on for EOF, a listening socket).
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(host)/fd"))?.compactMap(Int.init) ?? []
        #expect(!fds.isEmpty && fds.allSatisfy { $0 <= 4 }, "the host holds descriptors \(fds.sorted())")

        // The host goes (as with a controller killed with -9); the attempt it forked does not.
        kill(host, SIGKILL)
        #expect(try await eventually { Self.parent(of: state.supervisorPid) != host })
        touch(handle.directory + "/work/go")
        let result = try await fixture.log.result(handle)
        #expect(result.exitCode == 0)
        #expect(fixture.contents(handle.directory + "/stdout.log") == "done\n")
    }

    @Test func aDeadHostIsReplacedAndEveryAttemptStillRuns() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, first) = try await fixture.run("exit 0")
        #expect(first.exitCode == 0)
        let dead = try #require(fixture.runner.supervisorHostPid)
        kill(dead, SIGKILL)
        // The next start finds the host gone and spawns its supervisor itself; the one after gets a new host.
        var codes: [Int32?] = []
        for code in 1...3 {
            let handle = try fixture.runner.start(fixture.launch(["sh", "-c", "exit \(code)"], node: "n\(code)"))
            codes.append(try await fixture.log.result(handle).exitCode)
        }
        #expect(codes == [1, 2, 3])
        let replacement = try #require(fixture.runner.supervisorHostPid, "the host was not replaced")
        #expect(replacement != dead)
    }

    @Test func aLargeEnvironmentReachesTheTaskWhole() async throws {
        let fixture = try LocalRunnerFixture()
        // 1.5 MiB in 15 variables (exec takes at most 128 KiB in one string): far more than a default socket
        // buffer holds. Without room the host refuses it and the runner spawns that supervisor itself; either way
        // the task sees all of it.
        var environment: [String: String] = [:]
        for k in 0..<15 { environment["BIG_\(k)"] = String(repeating: Character(UnicodeScalar(UInt8(97 + k))), count: 100 << 10) }
        let (handle, result) = try await fixture.run(#"env | grep '^BIG_' | wc -c"#, environment: environment)
        #expect(result.exitCode == 0)
        // Each line: "BIG_k=" (6 or 7 bytes) + 100 KiB + newline.
        let expected = (0..<15).reduce(0) { $0 + "BIG_\($1)=".utf8.count + (100 << 10) + 1 }
        #expect(fixture.contents(handle.directory + "/stdout.log").trimmingCharacters(in: .whitespacesAndNewlines) == "\(expected)")
    }

    /// A host that stops answering (here: stopped with SIGSTOP before it reads the request) costs one start its
    /// timeout, not the runner: the host is killed, nothing holds the attempt's lock, so the runner spawns the
    /// supervisor itself, and the task runs once.
    @Test func aHostThatDoesNotAnswerIsKilledAndTheAttemptRunsOnce() async throws {
        let fixture = try LocalRunnerFixture()
        let (_, first) = try await fixture.run("exit 0")
        #expect(first.exitCode == 0)
        let stopped = try #require(fixture.runner.supervisorHostPid)
        fixture.runner.supervisorHostReplyTimeout = .milliseconds(300)
        kill(stopped, SIGSTOP)
        let counter = fixture.root + "/runs-of-second"
        let runner = fixture.runner, launch = fixture.launch(["sh", "-c", "echo x >> '\(counter)'"], node: "second")
        let handle = try await onThread { try runner.start(launch) }
        let result = try await fixture.log.result(handle)
        #expect(result.exitCode == 0)
        #expect(fixture.contents(counter) == "x\n")
        // Killed (and reaped), not left stopped; the next start gets a new host (given the usual time to answer,
        // so a slow machine does not make this one look stuck too).
        #expect(kill(stopped, 0) != 0)
        fixture.runner.supervisorHostReplyTimeout = .seconds(20)
        let third = try runner.start(fixture.launch(["sh", "-c", "exit 3"], node: "third"))
        #expect(try await fixture.log.result(third).exitCode == 3)
        #expect(fixture.runner.supervisorHostPid != nil && fixture.runner.supervisorHostPid != stopped)
    }

    /// The harder case: the host forked the supervisor and then stalled before answering. The runner cannot know
    /// from the host; the attempt's lock, held by that supervisor, tells it to follow it rather than start a
    /// second one (which would run the task twice).
    @Test func aHostThatForkedButNeverAnsweredIsFollowedNotDoubled() async throws {
        let fixture = try LocalRunnerFixture()
        fixture.runner.supervisorHostReplyTimeout = .milliseconds(300)
        let counter = fixture.root + "/runs"
        let runner = fixture.runner
        let launch = fixture.launch(["sh", "-c", "echo x >> '\(counter)'; " + waitForGoFile + "; exit 7"],
                                    environment: ["SLUICE_TEST_HOST_STALL_AFTER_FORK": "1"])
        let handle = try await onThread { try runner.start(launch) }
        // The supervisor still runs (it waits for the go file): its lock is held when the runner looks.
        touch(handle.directory + "/work/go")
        let result = try await fixture.log.result(handle)
        #expect(result.exitCode == 7)
        #expect(fixture.contents(counter) == "x\n")
    }
}
