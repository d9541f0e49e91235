import ArgumentParser
import Foundation

/// The `sluice` command: runs and inspects workflows of containers.
@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Run workflows of containerised tasks, locally or on Kubernetes.",
        discussion: """
            A flow file (YAML or JSON) describes tasks and the graph that connects them.
            Start by checking one:

              sluice validate examples/hello.yaml
              sluice compile examples/hello.yaml -o yaml
              sluice run examples/hello.yaml --input who=Ada
              sluice status
            """,
        version: "0.1.0",
        subcommands: [Validate.self, Compile.self, Render.self, Run.self, Submit.self, Resume.self, Status.self, Events.self, Logs.self, History.self, PendingGates.self, Approve.self, Reject.self, SendSignal.self, Abort.self, Retry.self, Serve.self, Doctor.self, TokenCommand.self,
                      Delete.self, PruneCommand.self]
    )

    /// Parses and runs a command; usage errors exit with 2, as the CLI reference promises.
    static func main() {
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
