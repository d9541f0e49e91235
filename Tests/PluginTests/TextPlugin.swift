import SluiceModel
import SluicePlugin

// The example plugin of docs/plugins.md, kept here so the docs' code compiles and runs.

/// `type: text`: fills a text template with the task's inputs; the result is the task's one output.
public struct TextPlugin: TaskPlugin {
    public let type = "text"

    public init() {}

    public func check(_ task: PluginTask) -> [ConfigProblem] {
        var reader = ConfigReader()
        _ = settings(task, &reader)
        return reader.problems
    }

    public func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue] {
        var reader = ConfigReader()
        guard let (template, output) = settings(attempt.task, &reader) else { throw .permanent("invalid config") }
        if Task.isCancelled { throw .cancelled }
        return [output: .string(template.render(attempt.inputs, InputTemplate.plainText))]
    }

    /// The template and the output's name, or nil with the problems in `reader`.
    private func settings(_ task: PluginTask, _ reader: inout ConfigReader) -> (InputTemplate, String)? {
        guard let config = reader.mapping(task.config, at: "", known: ["template"], required: ["template"], what: "a text task's config"),
              let text = reader.string(config, "template", at: "") else { return nil }
        let template = InputTemplate(text)
        reader.checkInputs(template, at: "template", task.interface)
        guard task.interface.outputs.count == 1, task.interface.outputs[0].type == .string else {
            reader.report("", "a text task has exactly one output, of type string")
            return nil
        }
        return reader.problems.isEmpty ? (template, task.interface.outputs[0].name) : nil
    }
}
