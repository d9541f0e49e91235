import SluiceEngine

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

    /// One path component for an id: letters, digits, `_ . -` stay; `/` becomes `+`, `[` `(`,
    /// `]` `)`; any other byte becomes `%XX`. Distinct ids give distinct names, so
    /// `each[3]` is `each(3)` and `sub/greet` is `sub+greet`.
    static func safeName(_ id: String) -> String {
        var name = ""
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                name.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "."):
                name += name.isEmpty ? "%2E" : "."  // never `.`, `..` or a hidden file
            case UInt8(ascii: "/"): name += "+"
            case UInt8(ascii: "["): name += "("
            case UInt8(ascii: "]"): name += ")"
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                name += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return name.isEmpty ? "%" : name
    }
}
