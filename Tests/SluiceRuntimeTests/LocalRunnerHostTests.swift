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
}
