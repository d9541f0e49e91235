import Foundation
import Testing

/// `sluice serve --admin-token-file FILE`: the chart mounts a Secret there, and the token in it works on the
/// API from the first start, survives restarts and rotates when the Secret changes.
@Suite(.serialized) struct AdminTokenFileTests {
    static let first = "chart-generated-admin-token-0123456789abcdefghij"
    static let second = "rotated-admin-token-9876543210zyxwvutsrqponmlkji"

    @Test func theTokenInTheFileAuthenticatesAndRotatesWithTheFile() async throws {
        try await onOwnThread {
            let ws = try Workspace()
            let file = try ws.write("admin-token", Self.first + "\n")
            let server = try RemoteServer(ws, extra: ["--admin-token-file", file])
            let list = try ws.sluice(["list", "-o", "json", "--server", server.url, "--token", Self.first])
            #expect(list.status == 0, "\(list.stderr)")
            let wrong = try ws.sluice(["list", "-o", "json", "--server", server.url, "--token", Self.second])
            #expect(wrong.status == 3, "\(wrong.stdout)\(wrong.stderr)")
            server.stop()
            // With a live admin token in the store, loopback writes no token file of its own.
            #expect(!FileManager.default.fileExists(atPath: ws.store + "/admin.token"))
            let tokens = try ws.sluice(["token", "list", "-o", "json"])
            let rows = try JSONSerialization.jsonObject(with: Data(tokens.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.map { $0["name"] as? String } == ["bootstrap"])
            #expect(rows.first?["role"] as? String == "admin")

            // The same file again: nothing changes. A new token in the file: the old one stops working.
            let again = try RemoteServer(ws, extra: ["--admin-token-file", file])
            #expect(try ws.sluice(["list", "--server", again.url, "--token", Self.first]).status == 0)
            again.stop()
            _ = try ws.write("admin-token", Self.second)
            let rotated = try RemoteServer(ws, extra: ["--admin-token-file", file])
            defer { rotated.stop() }
            #expect(try ws.sluice(["list", "--server", rotated.url, "--token", Self.second]).status == 0)
            #expect(try ws.sluice(["list", "--server", rotated.url, "--token", Self.first]).status == 3)
            let after = try JSONSerialization.jsonObject(with: Data(try ws.sluice(["token", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]] ?? []
            #expect(after.count == 2)
            #expect(after.filter { $0["revoked"] is NSNull }.map { $0["name"] as? String } == ["bootstrap"])
        }
    }

    @Test func aBadTokenFileIsRefusedNamingTheFileAndWhatWasExpected() async throws {
        try await onOwnThread { try Self.badTokenFiles() }
    }

    static func badTokenFiles() throws {
        let ws = try Workspace()
        let missing = ws.dir.appendingPathComponent("nowhere/token").path
        let empty = try ws.write("empty", "\n")
        let short = try ws.write("short", "abc123\n")
        let lines = try ws.write("lines", first + "\n" + second + "\n")
        for (file, reason) in [(missing, "no such file"), (empty, "the file is empty"), (short, "the token is 6 characters long, too short"),
                               (lines, "the token contains whitespace or several lines"), (ws.dir.path, "not a regular file")] {
            let out = try ws.sluice(["serve", "--listen", "0.0.0.0:0", "--admin-token-file", file])
            #expect(out.status == 2, "\(file): \(out.stderr)")
            #expect(out.stderr.contains("--admin-token-file \(file): \(reason)"), "\(out.stderr)")
            #expect(out.stderr.contains("at least 32 characters"), "\(out.stderr)")
        }
    }
}
