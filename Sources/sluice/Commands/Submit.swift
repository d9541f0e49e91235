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
            Compiles FILE here (problems are reported before anything is sent), then submits it with its
            inputs to --server. Without a server, the run is recorded queued in the store for a
            `sluice serve` on that store to drive. `-o json` prints {"run": ID, "state": ...}.
            Exit status: 0 submitted (with --wait: succeeded), 1 with --wait when the run failed,
            was aborted or timed out, 2 for a flow that does not compile or bad inputs, 3 when the
            server cannot be reached or refuses the token.

            Examples:
              sluice submit examples/hello.yaml --server http://127.0.0.1:8470
              sluice submit examples/hello.yaml --input who=Ada --wait -o json
            """
    )

    @Argument(help: "The flow file (YAML or JSON).") var file: String
    @Option(name: .customLong("input"), help: "An input as NAME=VALUE (repeatable); lists, maps and json as JSON.") var inputs: [String] = []
    @Option(name: .customLong("inputs-file"), help: "A JSON object of inputs.") var inputsFile: String?
    @Option(name: .customLong("run-id"), help: "Name the run (default: generated).") var runID: String?
    @Flag(help: "Wait until the run ends; exit 0 if it succeeded, 1 if not.") var wait = false
    @Option(name: [.short, .long], help: "Output: text or json.") var output: TokenOutputFormat = .text
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if let runID, let problem = RunID.problem(runID) { throw ValidationError("--run-id: \(problem)") }
    }

    func run() throws {
        let (flow, values) = try FlowFile.load(file, inputs: inputs, inputsFile: inputsFile)
        var submitted: Submitted
        var finalView: () throws -> RunView
        if let client = try remote.client(store: storeOption) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError.input("cannot read \(file)") }
            submitted = try RemoteRuns.submit(client, flowText: text, inputs: values, runID: runID)
            let id = submitted.run
            finalView = { try RemoteRuns.wait(client, id) }
        } else {
            let controller = try storeOption.controller()
            let id: String
            do { id = try controller.submit(flow: flow, inputs: values, runID: runID) } catch {
                throw CLIError.input("cannot record the run: \(error)")
            }
            submitted = .init(run: id, state: "queued")
            finalView = { try Self.waitInStore(controller, id) }
        }
        if output == .text { FileHandleOutput.standardError("run \(submitted.run) submitted (\(submitted.state))") }
        guard wait else {
            FileHandleOutput.standardOutput(output == .json ? try JSONText.encode(submitted) : submitted.run)
            return
        }
        let view = try finalView()
        submitted.state = view.state
        if output == .json {
            FileHandleOutput.standardOutput(try JSONText.encode(submitted))
        } else {
            for l in TreeText.render(view, color: isatty(1) == 1) { FileHandleOutput.standardOutput(l) }
        }
        throw ExitCode(view.state == RunPhase.succeeded.rawValue ? 0 : 1)
    }

    /// Polls the store until a server on it has finished the run.
    static func waitInStore(_ controller: Controller, _ id: String) throws -> RunView {
        while true {
            if let (flow, state) = try controller.state(of: id), state.header.phase.isFinal {
                return RunView(flow: flow, state: state, now: RunClock.now())
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
