import ArgumentParser
import Foundation

/// `sluice config`: named contexts (a server and its token) in the CLI's config file, as kubectl keeps them.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Manage contexts: named servers (and their tokens) the CLI talks to.",
        discussion: """
            Contexts live in $XDG_CONFIG_HOME/sluice/config.yaml (default ~/.config/sluice/config.yaml, \
            mode 0600). Every command that can talk to a server takes --context NAME; without --server, \
            --context or $SLUICE_SERVER, the current context is used, and without one the local store. \
            Order: --server/--context, then $SLUICE_SERVER, then $SLUICE_CONTEXT, then the current context, \
            then the local store; \
            the token: --token, then $SLUICE_TOKEN, then the context's.

            Examples:
              sluice config set-context prod --server http://sluice.internal:8470 --token-file ~/.sluice-prod.token
              sluice token create --role operator --name me | sluice config set-context dev --server http://127.0.0.1:8470 --token-stdin
              sluice config use-context prod
              sluice config get-contexts
              sluice status --context dev
              sluice config use-context --none     # back to the local store
            """,
        subcommands: [SetContext.self, UseContext.self, GetContexts.self, CurrentContext.self, DeleteContext.self, View.self]
    )

    /// `sluice config set-context NAME --server URL`: adds or changes a context.
    struct SetContext: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-context",
            abstract: "Add a context, or change the server or token of one.",
            discussion: """
                The token is read from a file at each use (--token-file: a path kept in the config), or once \
                from standard input and kept in the config file (--token-stdin). Never on the command line, \
                where other users could see it. Changing a context keeps what is not given.

                Examples:
                  sluice config set-context prod --server http://sluice.internal:8470 --token-file /etc/sluice/token
                  echo "$TOKEN" | sluice config set-context ci --server http://10.0.0.5:8470 --token-stdin
                  sluice config set-context local --server http://127.0.0.1:8470
                """
        )

        @Argument(help: "The context's name.") var name: String
        @Option(help: "The server's URL, e.g. http://127.0.0.1:8470 (required for a new context).") var server: String?
        @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the token (read at each use).", valueName: "file")) var tokenFile: String?
        @Flag(name: .customLong("token-stdin"), help: "Read the token from standard input and keep it in the config file.") var tokenStdin = false
        @Flag(name: .customLong("no-token"), help: "Forget the context's token (then --token, $SLUICE_TOKEN or a local admin token is sent).") var noToken = false

        func validate() throws {
            if let why = ContextConfig.nameProblem(name) { throw ValidationError("context name '\(name)' \(why)") }
            if [tokenFile != nil, tokenStdin, noToken].filter({ $0 }).count > 1 {
                throw ValidationError("give one of --token-file, --token-stdin and --no-token")
            }
            if let server {
                guard let url = RemoteOptions.url(server), url.scheme == "http" else {
                    throw ValidationError("--server \(server): expected an http:// URL such as http://127.0.0.1:8470")
                }
            }
        }

        func run() throws {
            let path = ContextConfig.path
            var config = try ContextConfig.load(path)
            let old = config.context(name)
            guard let server = server ?? old?.server else {
                throw CLIError.input("context '\(name)' is new: give its --server URL")
            }
            var context = ContextConfig.Context(name: name, server: server, token: old?.token, tokenFile: old?.tokenFile)
            if let tokenFile {
                let absolute = Self.absolute(tokenFile)
                guard FileManager.default.isReadableFile(atPath: absolute) else { throw CLIError.input("--token-file \(tokenFile): cannot read it") }
                context.token = nil
                context.tokenFile = absolute
            } else if tokenStdin {
                context.token = try Self.readToken()
                context.tokenFile = nil
            } else if noToken {
                context.token = nil
                context.tokenFile = nil
            }
            config.set(context)
            try ContextConfigFile.save(config, to: path)
            let hint = config.current == name ? "" : "; use it with sluice config use-context \(name), or --context \(name)"
            FileHandleOutput.standardOutput("context '\(name)' \(old == nil ? "added" : "changed") in \(path)\(hint)")
        }

        static func absolute(_ path: String) -> String {
            let expanded = (path as NSString).expandingTildeInPath
            return expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        }

        static func readToken() throws -> String {
            let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw CLIError.input("--token-stdin: standard input held no token") }
            guard !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw CLIError.input("--token-stdin: expected one token on one line")
            }
            return text
        }
    }

    /// `sluice config use-context NAME`: makes a context the current one.
    struct UseContext: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "use-context",
            abstract: "Make a context the current one (--none: use the local store again).",
            discussion: """
                Examples:
                  sluice config use-context prod
                  sluice config use-context --none
                """
        )

        @Argument(help: "The context's name.") var name: String?
        @Flag(help: "Have no current context: commands use the local store unless given a server.") var none = false

        func validate() throws {
            if (name == nil) == !none { throw ValidationError("give a context's name, or --none") }
        }

        func run() throws {
            let path = ContextConfig.path
            var config = try ContextConfig.load(path)
            if let name {
                guard config.context(name) != nil else {
                    throw CLIError.input("no context named '\(name)' in \(path); add it with sluice config set-context \(name) --server URL")
                }
            }
            config.current = name
            try ContextConfigFile.save(config, to: path)
            FileHandleOutput.standardOutput(name.map { "current context: \($0)" } ?? "no current context: commands use the local store")
        }
    }

    /// `sluice config get-contexts`: every context, tokens left out.
    struct GetContexts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-contexts",
            abstract: "List the contexts; the current one is marked with *.",
            discussion: """
                Shows where each context's token comes from, never the token.

                Examples:
                  sluice config get-contexts
                  sluice config get-contexts -o json | jq -r '.[] | select(.current) | .server'
                """
        )

        @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text

        func run() throws {
            let config = try ContextConfig.load()
            let rows = config.contexts.map { ContextRow($0, current: config.current == $0.name) }
            if try output.print(rows) { return }
            if rows.isEmpty {
                FileHandleOutput.standardOutput("no contexts; add one with sluice config set-context NAME --server URL")
                return
            }
            let table = [["CURRENT", "NAME", "SERVER", "TOKEN"]] + rows.map { [$0.current ? "*" : "", $0.name, $0.server, $0.tokenText] }
            for line in TextTable.lines(table) { FileHandleOutput.standardOutput(line) }
        }
    }

    /// `sluice config current-context`: the current context's name.
    struct CurrentContext: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "current-context",
            abstract: "Print the current context's name (exit 1 when there is none).",
            discussion: """
                Examples:
                  sluice config current-context
                """
        )

        func run() throws {
            guard let current = try ContextConfig.load().current else {
                FileHandleOutput.standardError("no current context: commands use the local store unless given --server or --context")
                throw ExitCode(1)
            }
            FileHandleOutput.standardOutput(current)
        }
    }

    /// `sluice config delete-context NAME`: forgets a context.
    struct DeleteContext: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete-context",
            abstract: "Remove a context (and its token) from the config file.",
            discussion: """
                Removing the current context leaves none current: commands use the local store again.

                Examples:
                  sluice config delete-context dev
                """
        )

        @Argument(help: "The context's name.") var name: String

        func run() throws {
            let path = ContextConfig.path
            var config = try ContextConfig.load(path)
            guard config.context(name) != nil else { throw CLIError.input("no context named '\(name)' in \(path); see sluice config get-contexts") }
            config.contexts.removeAll { $0.name == name }
            let wasCurrent = config.current == name
            if wasCurrent { config.current = nil }
            try ContextConfigFile.save(config, to: path)
            FileHandleOutput.standardOutput("deleted context '\(name)'\(wasCurrent ? "; no context is current now" : "")")
        }
    }

    /// `sluice config view`: the config file, tokens hidden.
    struct View: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the config file with its tokens hidden.",
            discussion: """
                Examples:
                  sluice config view
                """
        )

        func run() throws {
            let path = ContextConfig.path
            var config = try ContextConfig.load(path)
            for i in config.contexts.indices where config.contexts[i].token != nil { config.contexts[i].token = "(hidden)" }
            FileHandleOutput.standardOutput("# \(path)")
            FileHandleOutput.standardOutput(ContextConfigFile.render(config).split(separator: "\n").dropFirst().joined(separator: "\n"))
        }
    }
}

/// One context as `config get-contexts -o json` shows it: where its token comes from, never the token.
struct ContextRow: Encodable {
    var name: String
    var server: String
    var current: Bool
    /// `inline`, `file` or `none`.
    var token: String
    var token_file: String?

    init(_ c: ContextConfig.Context, current: Bool) {
        name = c.name
        server = c.server
        self.current = current
        token = c.token != nil ? "inline" : (c.tokenFile != nil ? "file" : "none")
        token_file = c.tokenFile
    }

    var tokenText: String {
        switch token {
        case "inline": "in the config file"
        case "file": "file \(token_file ?? "")"
        default: "none"
        }
    }
}
