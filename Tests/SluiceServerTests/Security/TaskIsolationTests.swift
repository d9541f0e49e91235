import Foundation
import SluiceRuntime
import XCTest

/// Issue 13, "an operator is an admin in disguise": a task must not read what the server keeps in its store.
final class TaskIsolationTests: XCTestCase {
    /// The account the setup creates; tests that need it say why they cannot run without it.
    static func taskUser() throws -> TaskUser {
        guard TaskUser.canSwitch else {
            throw XCTSkip("tasks can switch users only when the tests run as root")
        }
        guard let user = TaskUser.lookup(TaskUser.defaultName) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("CI runs as root but the \(TaskUser.defaultName) account is missing (scripts/ensure-deps.sh creates it)")
            }
            throw XCTSkip("no \(TaskUser.defaultName) account; scripts/ensure-deps.sh creates it")
        }
        return user
    }

    func testATaskRunsAsTheTaskUserAndCannotReadTheStoresSecrets() throws {
        let user = try Self.taskUser()
        let server = try TestServer(taskUser: user)
        defer { server.stop() }
        // The store's secrets exist before the task runs.
        _ = try server.server.controller.callbackTokens()
        try "s3cret\n".write(toFile: server.store + "/admin.token", atomically: true, encoding: .utf8)
        chmod(server.store + "/admin.token", 0o600)
        let flow = """
            name: snoop
            outputs: {seen: look.seen}
            tasks:
              look:
                command: [sh, -c, "s=..; for f in admin.token callback.key sluice.db; do if cat ../../../../../$f >/dev/null 2>&1; then s=$s,$f; fi; done; printf '{\\"seen\\": \\"%s:%s\\"}' $(id -u) $s > $SLUICE_OUTPUTS"]
                outputs: {seen: string}
            nodes:
              - {id: look, task: look}
            """
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "snoop"]).status, 201)
        let tree = try server.waitForRun("snoop", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        // Run as the task account, and not one of the three files could be read ("..": nothing was).
        XCTAssertEqual((tree["outputs"] as? [String: String])?["seen"], "\(user.uid):..")
        // The path up to the store is traverse-only; the database and its log are owner-only.
        for file in ["sluice.db", "callback.key"] {
            var info = stat()
            XCTAssertEqual(stat(server.store + "/" + file, &info), 0)
            XCTAssertEqual(info.st_mode & 0o077, 0, "\(file) mode \(String(info.st_mode & 0o777, radix: 8))")
        }
    }

    func testAnOutputsFilePlantedAsALinkToAControllerFileIsRefused() throws {
        let user = try Self.taskUser()
        let server = try TestServer(taskUser: user)
        defer { server.stop() }
        let flow = """
            name: plant
            tasks:
              plant:
                command: [sh, -c, "ln -s ../../../../../sluice.db $SLUICE_OUTPUTS"]
                outputs: {x: string}
            nodes:
              - {id: plant, task: plant}
            """
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "plant"]).status, 201)
        let tree = try server.waitForRun("plant", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "failed")
        let error = (TestServer.node(tree, "plant")?["error"] as? String) ?? "\(tree)"
        XCTAssertTrue(error.contains("symbolic link"), error)
        XCTAssertFalse(error.contains("SQLite"), error)
    }
}
