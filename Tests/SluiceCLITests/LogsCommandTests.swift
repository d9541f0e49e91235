import Foundation
import Testing

/// `sluice logs`: every node with a prefix, `--tail`, `-f` waiting for a node, and unknown nodes.
@Suite struct LogsCommandTests {
    static let two = """
        name: two
        tasks:
          count: {command: [sh, -c, "for i in 1 2 3 4; do echo line $i; done; echo oops >&2"]}
          last: {command: [sh, -c, "printf 'no newline'"]}
        nodes:
          - {id: fit, task: count}
          - {id: report, task: last, after: [fit]}
        """

    @Test func withoutANodeEveryLineCarriesItsNode() async throws {
        let ws = try Workspace()
        let flow = try ws.write("two.yaml", Self.two)
        let ran = try await ws.sluice(["run", flow, "--run-id", "l1"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let all = try await ws.sluice(["logs", "l1"])
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["[fit] line 1", "[fit] line 2", "[fit] line 3", "[fit] line 4", "[fit] oops", "[report] no newline"], "\(lines)")
        let tail = try await ws.sluice(["logs", "l1", "--tail", "2", "--stdout"])
        #expect(tail.stdout.split(separator: "\n").map(String.init) == ["[fit] line 3", "[fit] line 4", "[report] no newline"], "\(tail.stdout)")
        let one = try await ws.sluice(["logs", "l1", "fit", "--tail", "1"])
        #expect(one.stdout == "line 4\noops\n", "\(one.stdout.debugDescription)")
    }

    @Test func aTasksColoursReachATerminalUnlessNoColorOrDumbTerm() async throws {
        let ws = try Workspace()
        let flow = try ws.write("red.yaml", """
            name: red
            tasks:
              t: {command: [sh, -c, "printf '\\\\033[31mred\\\\033[0m\\\\n'"]}
            nodes: [{id: a, task: t}]
            """)
        let ran = try await ws.sluice(["run", flow, "--run-id", "c1"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let rich = try await onTerminal(ws, ["logs", "c1", "a"])
        #expect(rich.stdout.contains("\u{1b}[31mred"), "\(rich.stdout.debugDescription)")
        for environment in [["NO_COLOR": "1"], ["TERM": "dumb"]] {
            let plain = try await onTerminal(ws, ["logs", "c1", "a"], environment: environment)
            #expect(plain.stdout.contains("red") && !plain.stdout.contains("\u{1b}"), "\(environment): \(plain.stdout.debugDescription)")
        }
    }

    @Test func anUnknownNodeListsTheRunsNodesAndSuggestsTheCloseOne() async throws {
        let ws = try Workspace()
        let flow = try ws.write("two.yaml", Self.two)
        _ = try await ws.sluice(["run", flow, "--run-id", "l2"])
        let out = try await ws.sluice(["logs", "l2", "fitt"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("run l2 has no node 'fitt'; did you mean 'fit'?") && out.stderr.contains("Its nodes: fit, report"), "\(out.stderr)")
        let far = try await ws.sluice(["logs", "l2", "zzzzzz"])
        #expect(far.status == 2 && !far.stderr.contains("did you mean"), "\(far.stderr)")
    }

    @Test func followingANodeThatHasNotStartedWaitsForIt() async throws {
        let ws = try Workspace()
        let flow = try ws.write("later.yaml", """
            name: later
            tasks:
              say: {command: [sh, -c, "echo after the gate"]}
            nodes:
              - {id: review, gate: {approve: null}}
              - {id: after, task: say, after: [review]}
            """)
        let started = try await ws.sluice(["run", flow, "--run-id", "l3", "--detach"])
        #expect(started.status == 0, "\(started.stderr)")
        let notYet = try await ws.sluice(["logs", "l3", "after"])
        #expect(notYet.status == 2 && notYet.stderr.contains("has not started yet"), "\(notYet.stderr)")

        let logs = try RunningSluice(ws, ["logs", "l3", "after", "-f"])
        let said = try await logs.read(logs.stderr, until: "waiting for it")
        #expect(said.contains("node 'after' of run l3 has not started yet"), "\(said)")
        let approved = try await ws.sluice(["approve", "l3", "review"])
        #expect(approved.status == 0, "\(approved.stderr)")
        let (status, printed) = try await logs.finish()
        #expect(status == 0)
        #expect(printed == "after the gate\n", "\(printed.debugDescription)")
    }
}

/// `sluice logs --server`: every node, `--tail` and unknown nodes, the same as on the store.
@Suite(.serialized) struct RemoteLogsCommandTests {
    @Test func everyNodeTailAndUnknownNodesWorkAgainstAServer() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let url = server.url
        let flow = try ws.write("two.yaml", LogsCommandTests.two)
        let ran = try await ws.sluice(["run", flow, "--run-id", "x1", "--server", url])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        let all = try await ws.sluice(["logs", "x1", "--server", url])
        #expect(all.stdout.split(separator: "\n").map(String.init)
            == ["[fit] line 1", "[fit] line 2", "[fit] line 3", "[fit] line 4", "[fit] oops", "[report] no newline"], "\(all.stdout)\(all.stderr)")
        let followed = try await ws.sluice(["logs", "x1", "-f", "--stdout", "--server", url])
        #expect(followed.status == 0 && followed.stdout.hasPrefix("[fit] line 1\n") && !followed.stdout.contains("oops"), "\(followed.stdout)")
        let tail = try await ws.sluice(["logs", "x1", "fit", "--tail", "1", "--stdout", "--server", url])
        #expect(tail.stdout == "line 4\n", "\(tail.stdout.debugDescription)")
        let unknown = try await ws.sluice(["logs", "x1", "repot", "--server", url])
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean 'report'?"), "\(unknown.stderr)")
    }
}
