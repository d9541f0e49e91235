import Foundation
import Testing

/// The store as a user meets it: read-only commands never make one, one run id rule, run id prefixes,
/// `delete` and `prune`, locally and against a server.
@Suite(.serialized) struct StoreLifecycleTests {
    static let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
    static let waits = """
        name: waits
        nodes:
          - {id: review, gate: {approve: null, message: "go?"}}
        """

    static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func readOnlyCommandsInAnEmptyFolderSayWhereTheyLookedAndCreateNothing() async throws {
        let ws = try Workspace()
        for args in [["status"], ["history"], ["list"], ["events", "r1"], ["logs", "r1", "n"], ["gates", "r1"], ["token", "list"],
                     ["approve", "r1", "n"], ["abort", "r1"], ["delete", "r1"], ["prune", "--older-than", "1d"]] {
            let out = try await CLI.run(args, in: ws.dir)
            #expect(out.status == 2, "\(args): \(out.stderr)")
            #expect(out.stderr.contains("no store at \(ws.dir.path)/.sluice") || out.stderr.contains("no store at \(ws.store)"), "\(args): \(out.stderr)")
            #expect(out.stderr.contains("sluice run FILE") && out.stderr.contains("--store"), "\(args): \(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.store), "no .sluice was made")
        let named = try await CLI.run(["status", "--store", ws.dir.appendingPathComponent("elsewhere").path], in: ws.dir)
        #expect(named.status == 2 && named.stderr.contains("elsewhere (--store)"), "\(named.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.dir.appendingPathComponent("elsewhere").path))
    }

    @Test func aRunIDThatBreaksTheRuleIsRefusedBeforeAnythingIsRecorded() async throws {
        let ws = try Workspace()
        for command in ["run", "submit"] {
            let out = try await ws.sluice([command, Self.hello, "--run-id", "Bad Id!"])
            #expect(out.status == 2, "\(out.stderr)")
            #expect(out.stderr.contains("a run id is 1-100 characters: ASCII letters, digits, '-', '_' or '.', starting with a letter or digit"), "\(out.stderr)")
            #expect(out.stderr.contains("' '"), "it names the character: \(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.store))
    }

    @Test func aUniquePrefixNamesARunAnAmbiguousOneListsTheMatchesAndAnExactIdWins() async throws {
        let ws = try Workspace()
        let flow = try ws.write("waits.yaml", Self.waits)
        for id in ["review-aa1", "review-bb2", "review"] {
            let out = try await ws.sluice(["submit", flow, "--run-id", id])
            #expect(out.status == 0, "\(out.stderr)")
        }
        let one = try await ws.sluice(["status", "review-a", "-o", "json"])
        #expect((Self.json(one.stdout) as? [String: Any])?["id"] as? String == "review-aa1", "\(one.stderr)")
        let events = try await ws.sluice(["events", "review-b"])
        #expect(events.status == 0 && !events.stdout.isEmpty, "\(events.stdout)\(events.stderr)")
        let short = try await ws.sluice(["status", "review-", "-o", "json"])
        #expect(short.status == 2)
        #expect(short.stderr.contains("run id 'review-' is ambiguous: it starts review-aa1, review-bb2"), "\(short.stderr)")
        let exact = try await ws.sluice(["status", "review", "-o", "json"])
        #expect((Self.json(exact.stdout) as? [String: Any])?["id"] as? String == "review", "an exact id wins: \(exact.stderr)")
        let aborted = try await ws.sluice(["abort", "review-b"])
        #expect(aborted.status == 0 && aborted.stdout.contains("review-bb2"), "\(aborted.stdout)\(aborted.stderr)")
        let missing = try await ws.sluice(["gates", "nothing"])
        #expect(missing.status == 2 && missing.stderr.contains("no run 'nothing'"), "\(missing.stderr)")
    }

    @Test func deleteRemovesAFinishedRunAndRefusesAnUnfinishedOneUnlessForced() async throws {
        let ws = try Workspace()
        let done = try await ws.sluice(["run", Self.hello, "--run-id", "hello-del", "-o", "json"])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(FileManager.default.fileExists(atPath: ws.store + "/attempts/hello-del"))
        let flow = try ws.write("waits.yaml", Self.waits)
        #expect(try await ws.sluice(["submit", flow, "--run-id", "queued-del"]).status == 0)

        let refused = try await ws.sluice(["delete", "hello-del", "queued-del"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("run 'queued-del' is queued") && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try await ws.sluice(["status", "hello-del"]).status == 0, "nothing was deleted")

        let deleted = try await ws.sluice(["delete", "hello-d"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("deleted hello-del (hello, succeeded)") && deleted.stdout.contains("freed"), "\(deleted.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ws.store + "/attempts/hello-del"))
        let gone = try await ws.sluice(["status", "hello-del"])
        #expect(gone.status == 2 && gone.stderr.contains("no run 'hello-del'"), "\(gone.stderr)")

        let forced = try await ws.sluice(["delete", "queued-del", "--force", "-o", "json"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(((Self.json(forced.stdout) as? [[String: Any]]) ?? []).first?["state"] as? String == "aborted", "\(forced.stdout)")
        let history = try await ws.sluice(["history", "-o", "json"])
        #expect((Self.json(history.stdout) as? [Any])?.isEmpty == true, "\(history.stdout)")
    }

    @Test func pruneRemovesFinishedRunsOlderThanTheDurationAndSaysWhatItFreed() async throws {
        let ws = try Workspace()
        #expect(try await ws.sluice(["run", Self.hello, "--run-id", "old-ok", "-o", "json"]).status == 0)
        let flow = try ws.write("waits.yaml", Self.waits)
        #expect(try await ws.sluice(["submit", flow, "--run-id", "still-queued"]).status == 0)

        let young = try await ws.sluice(["prune", "--older-than", "30d"])
        #expect(young.status == 0 && young.stdout.contains("removed 0 runs"), "\(young.stdout)\(young.stderr)")
        let dry = try await ws.sluice(["prune", "--older-than", "1ms", "--dry-run"])
        #expect(dry.stdout.contains("would remove old-ok (hello, succeeded"), "\(dry.stdout)\(dry.stderr)")
        #expect(try await ws.sluice(["status", "old-ok"]).status == 0, "a dry run changes nothing")
        let other = try await ws.sluice(["prune", "--older-than", "1ms", "--state", "failed"])
        #expect(other.stdout.contains("removed 0 runs"), "\(other.stdout)")

        let pruned = try await ws.sluice(["prune", "--older-than", "1ms"])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("removed old-ok") && pruned.stdout.contains("removed 1 run,"), "\(pruned.stdout)")
        #expect(try await ws.sluice(["status", "old-ok"]).status == 2)
        #expect(try await ws.sluice(["status", "still-queued"]).status == 0, "an unfinished run is never pruned")

        let bad = try await ws.sluice(["prune", "--older-than", "1ms", "--state", "running"])
        #expect(bad.status == 2 && bad.stderr.contains("never pruned"), "\(bad.stderr)")
    }

    @Test func deleteAndPruneWorkAgainstAServer() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let run = try await ws.sluice(["submit", Self.hello, "--run-id", "remote-one", "--wait", "--server", server.url])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try await ws.sluice(["submit", Self.hello, "--run-id", "remote-two", "--wait", "--server", server.url]).status == 0)
        let bad = try await ws.sluice(["submit", Self.hello, "--run-id", "Bad Id!", "--server", server.url])
        #expect(bad.status == 2 && bad.stderr.contains("a run id is 1-100 characters"), "\(bad.stderr)")

        let byPrefix = try await ws.sluice(["status", "remote-o", "-o", "json", "--server", server.url])
        #expect((Self.json(byPrefix.stdout) as? [String: Any])?["id"] as? String == "remote-one", "\(byPrefix.stderr)")
        // Every id is checked before anything is deleted: an unfinished run among them deletes none.
        let waits = try ws.write("waits.yaml", Self.waits)
        #expect(try await ws.sluice(["submit", waits, "--run-id", "remote-waits", "--server", server.url]).status == 0)
        let mixed = try await ws.sluice(["delete", "remote-one", "remote-waits", "--server", server.url])
        #expect(mixed.status == 2 && mixed.stderr.contains("run 'remote-waits' is "), "\(mixed.stdout)\(mixed.stderr)")
        #expect(try await ws.sluice(["status", "remote-one", "--server", server.url]).status == 0, "nothing was deleted")
        let deleted = try await ws.sluice(["delete", "remote-o", "--server", server.url])
        #expect(deleted.status == 0 && deleted.stdout.contains("deleted remote-one"), "\(deleted.stdout)\(deleted.stderr)")
        #expect(try await ws.sluice(["status", "remote-one", "--server", server.url]).status == 2)

        let pruned = try await ws.sluice(["prune", "--older-than", "1ms", "--server", server.url])
        #expect(pruned.status == 0 && pruned.stdout.contains("removed remote-two"), "\(pruned.stdout)\(pruned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.store + "/attempts/remote-two"))
    }

    @Test func serveWithRetainFinishedRemovesRunsOnceTheyAreOldEnough() async throws {
        let ws = try Workspace()
        let bad = try await ws.sluice(["serve", "--retain-finished", "soon"])
        #expect(bad.status == 2 && bad.stderr.contains("--retain-finished soon"), "\(bad.stderr)")
        let server = try await RemoteServer.start(ws, extra: ["--retain-finished", "1ms", "--retention-interval", "100ms"])
        defer { server.terminate() }
        // No --wait: the run may be gone before a waiting client sees it finish.
        let run = try await ws.sluice(["submit", Self.hello, "--run-id", "short-lived", "--server", server.url])
        #expect(run.status == 0, "\(run.stderr)")
        // Once it has finished, the server's next sweep removes it (60 s guards against hanging; it is no latency bound).
        // The sweep removes the rows, then the folders: both are waited for.
        let gone = try await offPool {
            waitFor {
                (try? CLI.run(["status", "short-lived", "--store", ws.store], in: ws.dir))?.status == 2
                    && !FileManager.default.fileExists(atPath: ws.store + "/attempts/short-lived")
            }
        }
        #expect(gone, "the finished run and its attempt folder were removed by retention")
    }

    @Test func forceDeletingARunAnotherProcessDrivesWaitsForItToEndThenDeletesIt() async throws {
        let ws = try Workspace()
        let flow = try ws.write("waits.yaml", Self.waits)
        let detached = try await ws.sluice(["run", flow, "--run-id", "driven", "--detach"])
        #expect(detached.status == 0, "\(detached.stderr)")
        let waiting = try await offPool { waitFor { (try? CLI.run(["gates", "driven", "--store", ws.store], in: ws.dir))?.stdout.contains("review") == true } }
        try #require(waiting, "the detached run never reached its gate")

        let refused = try await ws.sluice(["delete", "driven"])
        #expect(refused.status == 2 && refused.stderr.contains("is waiting"), "\(refused.stderr)")
        let forced = try await ws.sluice(["delete", "driven", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("deleted driven (waits, aborted)"), "\(forced.stdout)")
        #expect(!forced.stderr.contains("not driven"), "the detached driver ended the run itself: \(forced.stderr)")
        #expect(try await ws.sluice(["status", "driven"]).status == 2)
    }
}
