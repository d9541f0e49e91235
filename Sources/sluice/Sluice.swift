import ArgumentParser
import Foundation
import SluiceCompiler
import SluiceRuntime
import SupervisorCore

/// The `sluice` command: runs and inspects workflows of containers.
@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Run workflows of containerised tasks, locally or on Kubernetes.",
        discussion: """
            A flow file (YAML or JSON) describes tasks and the graph that connects them. \
            Start by checking one:

              sluice validate examples/hello.yaml
              sluice compile examples/hello.yaml -o yaml
              sluice run examples/hello.yaml --input who=Ada
              sluice status
            """,
        version: "0.1.0",
        subcommands: [Validate.self, Compile.self, Render.self, Run.self, Submit.self, Resume.self, Status.self, Events.self, Logs.self, History.self, PendingGates.self, Approve.self, Reject.self, SendSignal.self, Abort.self, Retry.self, Serve.self, Doctor.self, TokenCommand.self, ConfigCommand.self,
                      Delete.self, PruneCommand.self, AppsCommand.self]
    )

    /// "'sttaus' is not a sluice command (did you mean 'status'?)" when a word names no subcommand, at the top or
    /// under a group (`sluice token crate` → "'crate' is not a 'sluice token' command (did you mean 'create'?)").
    static func unknownSubcommand(_ arguments: [String]) -> (message: String, help: String)? {
        var command: any ParsableCommand.Type = Sluice.self
        var path = ["sluice"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
            let names = subcommands.flatMap { [$0._commandName] + $0.configuration.aliases } + ["help"]
            guard let next = subcommands.first(where: { ([$0._commandName] + $0.configuration.aliases).contains(word) }) else {
                if names.contains(word) { return nil }
                let kind = path.count == 1 ? "a sluice command" : "a '\(path.joined(separator: " "))' command"
                return ("'\(word)' is not \(kind)\(Suggest.hint(word, names))", path.joined(separator: " "))
            }
            command = next
            path.append(word)
        }
        return nil
    }

    /// Parses and runs a command; usage errors exit with 2, as the CLI reference promises.
    static func main() {
        // `sluice __supervise ...` is the attempt supervisor (SupervisorCore), used when no sluice-supervisor binary
        // sits beside this one (a plain `swift run sluice`). It runs before anything else starts in the process.
        if CommandLine.arguments.count > 1, CommandLine.arguments[1] == EmbeddedSupervisor.command {
            Foundation.exit(sluice_supervisor_main(CommandLine.argc - 1, CommandLine.unsafeArgv + 1))
        }
        EmbeddedSupervisor.register()
        if let unknown = unknownSubcommand(Array(CommandLine.arguments.dropFirst())) {
            FileHandleOutput.standardError("error: \(unknown.message)")
            FileHandleOutput.standardError("Run '\(unknown.help) --help' for the list of commands.")
            exit(withError: ExitCode(2))
        }
        // A closed pipe (`sluice ... | head`) makes writes fail with EPIPE, which output ignores, instead of
        // killing the process in the middle of driving a run.
        signal(SIGPIPE, SIG_IGN)
        CLILogging.bootstrap()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            FileHandleOutput.standardError("error: \(error.description)")
            exit(withError: ExitCode(error.exitCode))
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandleOutput.standardError(fullMessage(for: error))
                FileHandleOutput.standardError("Run 'sluice --help' for usage.")
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
