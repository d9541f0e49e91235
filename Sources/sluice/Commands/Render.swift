import ArgumentParser
import SluiceModel
import SluiceRuntime

/// `sluice render FILE`: prints the pods a flow would create on Kubernetes, without a cluster.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the Kubernetes pods a flow would create, without a cluster.",
        discussion: """
            Prints one Pod per task node (and the Secret that carries its inputs) with the \
            flow's inputs substituted. Values known only at run time stand as placeholders \
            such as {{nodes.fit.outputs.loss}}; a map shows its first item; every case of a \
            branch is shown. Each pod's note (why it may not run as shown) is in its \
            sluice.dev/render-note annotation and, in YAML, in the comment above it. \
            Exit status: 0, 1 when a pod cannot be built (the reason names the task and \
            field), 2 for a flow that does not compile or bad inputs.

            Examples:
              sluice render examples/hello.yaml --input who=Ada
              sluice render examples/etl.yaml -o json --namespace batch
              sluice render flow.yaml --no-secrets | kubernetes-validate --strict -
            """
    )

    @Argument(help: "The flow file (YAML or JSON).")
    var file: String

    @Option(name: [.customLong("input"), .customLong("inputs")], help: "An input as NAME=VALUE (repeatable); lists, maps and json as JSON.")
    var inputs: [String] = []

    @Option(name: .customLong("inputs-file"), help: "A JSON object of inputs.")
    var inputsFile: String?

    @Option(name: [.short, .long], help: "Output format: yaml or json (a v1 List).")
    var output: DocumentFormat = .yaml

    @Option(help: "The namespace the pods would be created in.")
    var namespace: String = "default"

    @Option(name: .customLong("run-id"), help: "The run id the names and labels are made from.")
    var runID: String = "render"

    @Flag(name: .customLong("no-secrets"), help: "Leave out the per-attempt Secrets.")
    var noSecrets = false

    @Option(name: .customLong("callback-url"), help: ArgumentHelp("The server address `sluice serve` gives tasks for callbacks (SLUICE_CALLBACK_URL); 'none' renders pods as `sluice run` creates them, without a callback.", valueName: "url"))
    var callbackURL: String = "{{server}}"

    @OptionGroup(title: "Pod settings (as given to serve or run --backend kubernetes)") var pod: PodShapeOptions

    func validate() throws {
        if let problem = KubernetesName.dns1123LabelProblem(namespace) { throw ValidationError("--namespace '\(namespace)' \(problem)") }
        if let problem = RunID.problem(runID) { throw ValidationError("--run-id: \(problem)") }
    }

    func run() throws {
        let (flow, values) = try FlowFile.load(file, inputs: inputs, inputsFile: inputsFile)
        let preview: PodPreview
        var settings = KubePodSettings(namespace: namespace)
        try pod.apply(to: &settings)
        do {
            preview = try PodPreview(flow, inputs: values, settings: settings, runID: runID, plugins: TaskPlugins.all,
                                     callbackBaseURL: callbackURL == "none" ? nil : callbackURL)
        } catch {
            FileHandleOutput.standardError("error: \(file): \(error.message)")
            throw ExitCode(1)
        }
        FileHandleOutput.standardOutput(output == .json ? preview.json(secrets: !noSecrets) : preview.yaml(secrets: !noSecrets))
    }
}
