import ArgumentParser
import Foundation
import SluiceAPI
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// `sluice submit FILE`: hands a run to a server (or queues it in the store for `sluice serve`).
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a flow to run on a server; optionally wait for the end.",
        discussion: """
            Compiles FILE here (problems are reported before anything is sent), then submits it with its \
            inputs to --server. Without a server, the run is recorded queued in the store for a \
            `sluice serve` on that store to drive. `-o json` prints {"run": ID, "state": ...} \
            (`-o yaml` the same as YAML). --wait follows the run as a live tree \
            (as `status -w` does) to its end. \
            Exit status: 0 submitted (with --wait: succeeded), 1 with --wait when the run failed, \
            was aborted or timed out, 2 for a flow that does not compile or bad inputs, 3 when the \
            server cannot be reached or refuses the token.

            Examples:
              sluice submit examples/hello.yaml --server http://127.0.0.1:8470
              sluice submit examples/hello.yaml --input who=Ada --wait -o json
              sluice submit examples/hello.yaml --label team=vision --wait
            """
    )

    @Argument(help: "The flow file (YAML or JSON).") var file: String
    @Option(name: .customLong("input"), help: "An input as NAME=VALUE (repeatable); lists, maps and json as JSON.") var inputs: [String] = []
    @Option(name: .customLong("inputs-file"), help: "A JSON object of inputs.") var inputsFile: String?
    @Option(name: .customLong("run-id"), help: "Name the run (default: generated).") var runID: String?
    @Flag(help: "Follow the run as a live tree until it ends; exit 0 if it succeeded, 1 if not.") var wait = false
    @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
    @OptionGroup var labelOption: LabelOption
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if let runID, let problem = RunID.problem(runID) { throw ValidationError("--run-id: \(problem)") }
    }

    func run() throws {
        let (flow, values) = try FlowFile.load(file, inputs: inputs, inputsFile: inputsFile)
        let submitted: Submitted
        let read: () throws -> RunView
        var server: String?
        if let client = try remote.client(store: storeOption) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError.input("cannot read \(file)") }
            submitted = try RemoteRuns.submit(client, flowText: text, inputs: values, runID: runID, labels: labelOption.labels)
            let id = submitted.run
            read = { try RemoteRuns.view(client, id) }
            server = client.base.absoluteString
        } else {
            let controller = try storeOption.controller()
            let id: String
            do { id = try controller.submit(flow: flow, inputs: values, runID: runID, labels: labelOption.labels) } catch {
                throw CLIError.input("cannot record the run: \(error)")
            }
            submitted = .init(run: id, state: "queued")
            let store = controller.store
            read = { try LocalRuns.view(id, in: store) }
        }
        if output == .text { FileHandleOutput.standardError("run \(submitted.run) submitted (\(submitted.state))") }
        guard wait else {
            FileHandleOutput.standardOutput(try output.document(submitted) ?? submitted.run)
            return
        }
        let view: RunView
        if output == .text {
            view = try RunWatch.follow(server: server, read: read)
        } else {
            view = try RunWatch.poll(read)
            try output.print(RunOutcome(view))
        }
        throw ExitCode(RunWatch.exitCode(view))
    }
}
