import ArgumentParser
import Foundation
import SluiceAPI
import SluiceStore

/// `sluice token create|list|revoke`: API tokens for `sluice serve`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens for the server.",
        discussion: """
            A token carries a role: viewer (read), operator (also submit, abort, \
            retry, approve, signal) or admin (also tokens and flows). The store \
            keeps only a SHA-256 of each token, so a token is shown once, when it \
            is created.

            With --server (or $SLUICE_SERVER, or a context), the tokens are the server's, managed through \
            its admin API (the token used must have role admin); without, the local store's.

            Examples:
              sluice token create --role operator --name ci
              sluice token list
              sluice token revoke ci
              sluice token list --server http://127.0.0.1:8470
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `sluice token create`: prints a new token once.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it (the only time it is shown).",
            discussion: """
                Prints only the token, so it can be captured; `-o json` prints \
                {"token": "slc_..."}. The name must be unique among tokens that are \
                not revoked.

                Examples:
                  sluice token create --role operator --name ci
                  export SLUICE_TOKEN=$(sluice token create --role viewer --name dashboard)
                  sluice token create --role admin --name ops -o json
                """
        )

        @Option(help: "What the token may do: viewer, operator or admin.") var role: String
        @Option(help: "A label for the token, unique among live tokens (e.g. ci).") var name: String
        @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func validate() throws {
            guard TokenRole(rawValue: role) != nil else {
                throw ValidationError("unknown role '\(role)'; expected one of \(TokenRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try TokenNames.check(name)
        }

        func run() throws {
            if let client = try remote.client(store: storeOption) {
                let issued = try RemoteTokens.create(client, name: name, role: role)
                FileHandleOutput.standardOutput(try output.document(TokenCreated(token: issued.token)) ?? issued.token)
                return
            }
            let store = try storeOption.openStore(.create)
            if try store.tokens().contains(where: { $0.isLive && $0.name == name }) {
                throw CLIError.input("a token named '\(name)' already exists; revoke it first (sluice token revoke \(name)) or choose another name")
            }
            let (_, secret) = try store.createToken(name: name, role: TokenRole(rawValue: role) ?? .viewer)
            FileHandleOutput.standardOutput(try output.document(TokenCreated(token: secret)) ?? secret)
        }
    }

    /// `sluice token list`: every token, without secrets.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (never their secrets), oldest first, revoked ones included.",
            discussion: """
                Examples:
                  sluice token list
                  sluice token list -o json | jq '.[] | select(.revoked == null) | .name'
                """
        )

        @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            let tokens = try remote.client(store: storeOption).map(RemoteTokens.list) ?? storeOption.openStore().tokens().map(TokenView.init)
            if try output.print(tokens) { return }
            if tokens.isEmpty { FileHandleOutput.standardOutput("no tokens; create one with sluice token create --role ROLE --name NAME"); return }
            let rows = [["ID", "NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"]] + tokens.map { t in
                [t.id, t.name, t.role, t.created, t.last_used ?? "-", t.revoked ?? "-"]
            }
            for line in TextTable.lines(rows) { FileHandleOutput.standardOutput(line) }
        }
    }

    /// `sluice token revoke ID|NAME`: stops a token from working.
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a live token by id or name; it stops working at once.",
            discussion: """
                An id is matched before a name. The revoked token stays in \
                `sluice token list`, and its name may be given to a new token.

                Examples:
                  sluice token revoke ci
                  sluice token revoke tok_5f1c2a9e0b7d4c31
                """
        )

        @Argument(help: ArgumentHelp("The token's id or name.", valueName: "id-or-name")) var token: String
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            if let client = try remote.client(store: storeOption) {
                let revoked = try RemoteTokens.revoke(client, idOrName: token)
                FileHandleOutput.standardOutput("revoked \(revoked.id) (\(revoked.name), \(revoked.role))")
                return
            }
            guard let revoked = try storeOption.openStore(.existing).revokeToken(idOrName: token) else {
                throw CLIError.input("no live token with id or name '\(token)' in \(storeOption.directory); see sluice token list")
            }
            FileHandleOutput.standardOutput("revoked \(revoked.id) (\(revoked.name), \(revoked.role.rawValue))")
        }
    }
}

/// Checks shared by the token commands.
enum TokenNames {
    /// A name is what people type to revoke: no spaces, and not shaped like an id.
    static func check(_ name: String) throws {
        if let problem = TokenNameRule.problem(name) { throw ValidationError("--name '\(name)' \(problem)") }
    }
}

extension TokenView {
    /// A stored token as `token list -o json` shows it: times in ISO 8601 or null.
    init(_ t: TokenRecord) {
        self.init(id: t.id, name: t.name, role: t.role.rawValue, created: JSONText.iso(t.created),
                  last_used: t.lastUsed.map(JSONText.iso), revoked: t.revoked.map(JSONText.iso))
    }
}
