import Foundation
import HTTPTask
import SluiceCompiler
import SluiceModel
import SluicePlugin
import SQLTask

/// The registry the tests compile and run with.
let testPlugins = TaskPluginRegistry([HTTPTask(), SQLTask()])

/// A plugin task from its config written as JSON.
func pluginTask(_ json: String, inputs: [String: LiteralType] = [:], outputs: [String: LiteralType] = [:]) -> PluginTask {
    PluginTask(name: "t", interface: Interface(inputs: inputs.map { Parameter(name: $0.key, type: $0.value) },
                                              outputs: outputs.map { Variable(name: $0.key, type: $0.value) }),
               config: LiteralValue.parseJSON(json)!)
}

/// An attempt of `task`; secrets come from `secrets` by name.
func attempt(_ task: PluginTask, _ inputs: [String: LiteralValue] = [:], secrets: [String: String] = [:]) -> PluginAttempt {
    PluginAttempt(task: task, inputs: inputs, name: "r-n-1", runID: "r", node: "n") { name, _ throws(PluginFailure) in
        guard let v = secrets[name] else { throw .permanent("no secret \(name)") }
        return v
    }
}

/// Runs `body` and returns how it failed (nil when it did not).
func failure(_ body: () async throws -> [String: LiteralValue]) async -> PluginFailure? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? PluginFailure ?? PluginFailure(.system, "not a plugin failure: \(error)")
    }
}

/// The diagnostics of compiling `yaml` with the test plugins, as the CLI prints them.
func diagnostics(_ yaml: String) -> [String] {
    FlowCompiler.compile(yaml, file: "flow.yaml", plugins: testPlugins).diagnostics.map(\.description)
}

/// A fresh temporary folder.
func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "sluice-plugins-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
