import SluiceEngine
import SluiceModel

/// The files of one attempt: `<root>/<run>/<node>/<attempt>[-revert]/`.
///
/// The supervisor writes `state.json` when the task starts and `result.json` when it ends,
/// and holds `supervisor.lock` while it lives; the task reads `inputs.json`, writes
/// `outputs.json`, appends to `progress.jsonl` and runs in `work/`.
struct AttemptFolder: Sendable, Hashable {
    let path: String

    init(path: String) {
        self.path = path
    }

    init(root: String, runID: String, nodeID: String, attempt: Int, purpose: AttemptLaunch.Purpose) {
        let leaf = purpose == .revert ? "\(attempt)-revert" : "\(attempt)"
        self.path = [root, Self.safeName(runID), Self.safeName(nodeID), leaf].joined(separator: "/")
    }

    /// The folder of attempt `ref` of run `runID`.
    init(root: String, runID: String, ref: AttemptRef) {
        self.init(root: root, runID: runID, nodeID: ref.node, attempt: ref.attempt, purpose: ref.purpose == .revert ? .revert : .run)
    }

    static func runFolder(root: String, runID: String) -> String {
        root + "/" + safeName(runID)
    }

    var launch: String { path + "/launch.json" }
    var inputs: String { path + "/inputs.json" }
    var outputs: String { path + "/outputs.json" }
    var progress: String { path + "/progress.jsonl" }
    var stdout: String { path + "/stdout.log" }
    var stderr: String { path + "/stderr.log" }
    var state: String { path + "/state.json" }
    var result: String { path + "/result.json" }
    var lock: String { path + "/supervisor.lock" }
    var cancel: String { path + "/cancel" }
    var work: String { path + "/work" }

    /// One path component for an id (see `PathComponent.safe`, which the store's deletion uses too).
    static func safeName(_ id: String) -> String { PathComponent.safe(id) }
}
