import Foundation
import Testing

@Suite struct TokenCommandTests {
    @Test func createListRevokeRoundTrip() async throws {
        let ws = try Workspace()
        let created = try await ws.sluice(["token", "create", "--role", "operator", "--name", "ci"])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("slc_") && secret.count == 47, "\(created.stdout)")
        #expect(created.stdout == secret + "\n")

        let json = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "dash", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let body = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(body?.count == 1)
        #expect((body?["token"] as? String)?.hasPrefix("slc_") == true)

        let list = try await ws.sluice(["token", "list", "-o", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(!list.stdout.contains(secret))
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.map { $0["name"] as? String } == ["ci", "dash"])
        #expect(rows.map { $0["role"] as? String } == ["operator", "viewer"])
        #expect(rows.allSatisfy { Set($0.keys) == ["id", "name", "role", "created", "last_used", "revoked"] })
        #expect(rows.allSatisfy { $0["revoked"] is NSNull && $0["last_used"] is NSNull })
        #expect((rows.first?["id"] as? String)?.hasPrefix("tok_") == true)

        let revoke = try await ws.sluice(["token", "revoke", "ci"])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        #expect(revoke.stdout.contains("revoked \(rows.first?["id"] as? String ?? "?")"))
        let after = try await JSONSerialization.jsonObject(with: Data(try ws.sluice(["token", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]] ?? []
        #expect(after.first?["revoked"] is String)
        #expect(after.last?["revoked"] is NSNull)

        let byID = try await ws.sluice(["token", "revoke", rows.last?["id"] as? String ?? "?"])
        #expect(byID.status == 0, "\(byID.stderr)")
        let text = try await ws.sluice(["token", "list"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("ID"))
        #expect(text.stdout.contains("ci") && text.stdout.contains("dash"))
    }

    @Test func inputErrorsExitTwoWithAReason() async throws {
        let ws = try Workspace()
        await #expect(try ws.sluice(["token", "create", "--role", "operator", "--name", "ci"]).status == 0)

        let duplicate = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "ci"])
        #expect(duplicate.status == 2)
        #expect(duplicate.stdout.isEmpty)
        #expect(duplicate.stderr.contains("a token named 'ci' already exists"), "\(duplicate.stderr)")

        let badRole = try await ws.sluice(["token", "create", "--role", "root", "--name", "x"])
        #expect(badRole.status == 2)
        #expect(badRole.stderr.contains("unknown role 'root'"), "\(badRole.stderr)")

        await #expect(try ws.sluice(["token", "create", "--role", "viewer"]).status == 2)
        await #expect(try ws.sluice(["token", "create", "--role", "viewer", "--name", "two words"]).status == 2)
        await #expect(try ws.sluice(["token", "create", "--role", "viewer", "--name", "tok_1234"]).status == 2)
        await #expect(try ws.sluice(["token", "list", "-o", "xml"]).status == 2)

        let unknown = try await ws.sluice(["token", "revoke", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no live token with id or name 'nope'"), "\(unknown.stderr)")

        await #expect(try ws.sluice(["token", "revoke", "ci"]).status == 0)
        await #expect(try ws.sluice(["token", "revoke", "ci"]).status == 2)
        // The name is free again once revoked.
        await #expect(try ws.sluice(["token", "create", "--role", "viewer", "--name", "ci"]).status == 0)
    }

    @Test func aStoreWithoutTokensListsNone() async throws {
        let ws = try Workspace()
        // `token list` only reads: it needs a store and never makes one.
        let missing = try await ws.sluice(["token", "list"])
        #expect(missing.status == 2 && missing.stderr.contains("no store at"), "\(missing.stderr)")
        let flow = try ws.write("gate.yaml", "name: gate\nnodes:\n  - {id: review, gate: {approve: null}}\n")
        await #expect(try ws.sluice(["submit", flow]).status == 0)
        let json = try await ws.sluice(["token", "list", "-o", "json"])
        #expect(json.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [Any])?.isEmpty == true)
        await #expect(try ws.sluice(["token", "list"]).stdout.contains("no tokens"))
    }

    @Test(arguments: [["token", "--help"], ["token", "create", "--help"], ["token", "list", "--help"], ["token", "revoke", "--help"]])
    func helpHasExamples(args: [String]) async throws {
        let out = try await CLI.run(args)
        #expect(out.status == 0)
        #expect(out.stdout.contains("Examples:"), "\(out.stdout)")
        #expect(out.stdout.contains("sluice token"), "\(out.stdout)")
    }
}
