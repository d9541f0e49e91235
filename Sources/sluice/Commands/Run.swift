import ArgumentParser
import Foundation
import SluiceCompiler
import SluiceModel
import SluiceRuntime

/// `sluice run FILE`: compiles a flow and runs it here, on the local backend, in the foreground.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a flow on this machine and watch it live.",
        discussion: """
            Compiles FILE for the local backend (a task it cannot run is refused here, with its place), \
            records a new run in the store (./.sluice by default) and drives it to the end: each task runs \
            as a process under a supervisor, so a killed `sluice` loses nothing — `sluice resume RUN` \
            continues where it stopped.

            Ctrl-C aborts the run: running tasks are cancelled and nothing new starts; a second Ctrl-C \
            stops waiting for the abort (`sluice resume RUN` finishes it). SIGTERM detaches: tasks keep \
            running and `sluice resume RUN` continues the run. A closed terminal or pipe does not stop \
            the run. --detach hands the run to a background `sluice resume` at once.

            With --server URL (or $SLUICE_SERVER) the flow is compiled here and \
            submitted to that server instead: the live tree follows it there, and \
            the summary and exit status are those of a local run; the local \
            store is not touched. Ctrl-C then stops watching only (the run goes \
            on; `sluice abort RUN --server URL` stops it). --label KEY=VALUE \
            stores labels with the run (see `sluice history --label`).

            Exit status: 0 when the run succeeded, 1 when it failed, was aborted or timed out, \
            2 for a flow that does not compile or bad inputs.

            Examples:
              sluice run examples/hello.yaml
              sluice run examples/hello.yaml --input who=Ada
              sluice run flow.yaml --inputs-file inputs.json --run-id nightly-42 -o json
              sluice run flow.yaml --detach && sluice status
              sluice run flow.yaml --label team=vision --label ticket=ml-42
              sluice run flow.yaml --server http://127.0.0.1:8470
            """
    )

    @Argument(help: "The flow file (YAML or JSON).")
    var file: String

    @Option(name: .customLong("input"), help: "An input as NAME=VALUE (repeatable); lists, maps and json as JSON.")
    var inputs: [String] = []

    @Option(name: .customLong("inputs-file"), help: "A JSON object of inputs.")
    var inputsFile: String?

    @Option(name: .customLong("run-id"), help: "Name the run (default: generated).")
    var runID: String?

    @Option(name: [.short, .long], help: "Output: text (live tree), or json or yaml (one document at the end).")
    var output: OutputFormat = .text

    @Flag(help: "Record the run and hand it to a background `sluice resume`; print its id and return.")
    var detach = false

    @OptionGroup var labelOption: LabelOption
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var backendOption: BackendOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if let runID, let problem = RunID.problem(runID) { throw ValidationError("--run-id: \(problem)") }
    }

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            if backendOption.anyGiven {
                throw CLIError.input("--backend and the backend options (--engine, --max-local-attempts, the Kubernetes ones) pick where a local run goes; with --server, the server's backend runs it")
            }
            throw ExitCode(try runOnServer(client))
        }
        // A run refused before it is recorded (a missing input, a bad flow) leaves no new store behind.
        let storeExisted = FileManager.default.fileExists(atPath: storeOption.directory)
        let controller = try storeOption.controller(backend: backendOption.backend ?? "local", backendOption)
        let flow: CompiledFlow, values: [String: LiteralValue]
        do { (flow, values) = try FlowFile.load(file, inputs: inputs, inputsFile: inputsFile, for: controller.compileTarget) } catch {
            if !storeExisted {
                controller.close()
                try? FileManager.default.removeItem(atPath: storeOption.directory)
            }
            throw error
        }
        let id: String
        do { id = try controller.submit(flow: flow, inputs: values, runID: runID, labels: labelOption.labels) } catch {
            throw CLIError.input("cannot record the run: \(error)")
        }
        if output == .text { FileHandleOutput.standardError("run \(id) (store \(storeOption.directory))") }
        if !flow.apps.isEmpty {
            FileHandleOutput.standardError("note: this flow declares apps (\(flow.apps.map(\.name).joined(separator: ", "))); `sluice run` runs its nodes only — apps are kept alive by `sluice serve` (deploy them with sluice apps deploy FILE --server URL)")
        }
        if detach {
            let pid = try Detached.resume(runID: id, storeDirectory: storeOption.directory, backendArguments: backendOption.passThrough)
            // Return once the driver holds the run, so a `status` right after sees it driven (not "nobody is driving").
            let store = controller.store
            try Detached.waitForClaim(driver: pid, runID: id, storeDirectory: storeOption.directory) {
                if case .driven = try RunDriving.of(id, in: store) { return true }
                return try store.runSummary(id)?.state.isFinal ?? false
            }
            FileHandleOutput.standardOutput(try output.document(DetachedRun(run: id, driver_pid: pid)) ?? id)
            FileHandleOutput.standardError("run \(id) is driven in the background (pid \(pid)); follow it with: sluice status \(id)")
            return
        }
        throw ExitCode(try Foreground.drive(controller, runID: id, format: output))
    }

    /// Submits the flow to the server, follows it there and ends as a local run would.
    private func runOnServer(_ client: RemoteClient) throws -> Int32 {
        let (_, values) = try FlowFile.load(file, inputs: inputs, inputsFile: inputsFile)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError.input("cannot read \(file)") }
        let submitted = try RemoteRuns.submit(client, flowText: text, inputs: values, runID: runID, labels: labelOption.labels)
        let server = client.base.absoluteString
        if output == .text { FileHandleOutput.standardError("run \(submitted.run) (server \(server))") }
        if detach {
            FileHandleOutput.standardOutput(try output.document(submitted) ?? submitted.run)
            FileHandleOutput.standardError("run \(submitted.run) runs on \(server); follow it with: sluice status \(submitted.run) -w --server \(server)")
            return 0
        }
        let read = { try RemoteRuns.view(client, submitted.run) }
        let final: RunView
        if output == .text {
            final = try RunWatch.follow(server: server, read: read)
        } else {
            final = try RunWatch.poll(read)
            try output.print(RunOutcome(final))
        }
        return RunWatch.exitCode(final)
    }
}

/// What `run --detach -o json|yaml` prints.
struct DetachedRun: Encodable {
    var run: String
    var driver_pid: Int32
}

/// `sluice resume RUN`: continues an unfinished run from the store.
struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue an unfinished run nobody drives (after a crash, SIGTERM, or Ctrl-C twice).",
        discussion: """
            Loads the run from the store, adopts tasks that are still running, collects the results of \
            those that finished meanwhile, and drives the run to its end. Finished tasks never run again.

            Examples:
              sluice resume hello-lx2k9a1b
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run"))
    var runID: String

    @Option(name: [.short, .long], help: OutputFormat.help)
    var output: OutputFormat = .text

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var backendOption: BackendOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            // A server drives every run it holds and adopts what a crash left behind; a second driver here would fight it.
            throw CLIError.input("""
                resume drives a run of a local store, but a server is set (\(client.base.absoluteString)): the server drives its \
                runs itself and picks up unfinished ones when it starts. Follow the run with `sluice status \(runID)`, stop it \
                with `sluice abort \(runID)`, or run it again with `sluice retry \(runID)`; to resume a run of a local store, \
                drop --server or --context, $SLUICE_SERVER or $SLUICE_CONTEXT, and the current context (sluice config use-context --none)
                """)
        }
        let runID = try storeOption.resolveRun(runID)
        let recorded: String?
        do { recorded = try storeOption.openStore().backend(ofRun: runID) } catch {
            throw CLIError.input("cannot read run '\(runID)' from \(storeOption.directory): \(error)")
        }
        guard let recorded else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        if let asked = backendOption.backend, asked != recorded {
            throw CLIError.input("run \(runID) was started on the \(recorded) backend; resume it with --backend \(recorded) (or without --backend)")
        }
        let controller = try storeOption.controller(backend: recorded, backendOption)
        guard let (_, state) = try controller.state(of: runID) else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        if case .driven(let owner) = try RunDriving.of(runID, in: controller.store) {
            throw CLIError.input("run \(runID) is being driven by \(owner); `sluice status \(runID)` follows it")
        }
        if state.header.phase.isFinal {
            FileHandleOutput.standardError("run \(runID) has already finished: \(state.header.phase.rawValue)")
            try Foreground.printOutcome(state, runID: runID, format: output)
            throw ExitCode(state.header.phase == .succeeded ? 0 : 1)
        }
        throw ExitCode(try Foreground.drive(controller, runID: runID, format: output))
    }
}
