import ArgumentParser
import SluiceModel

/// `--label KEY=VALUE` on `run` and `submit`: labels stored with the run, shown by `status` and `history`
/// and matched by `history --label`.
struct LabelOption: ParsableArguments {
    @Option(name: .customLong("label"), help: ArgumentHelp("A run label as KEY=VALUE (repeatable); `history --label` finds runs by it.", valueName: "key=value"))
    var texts: [String] = []

    var labels: [String: String] {
        Dictionary(texts.compactMap(Self.pair), uniquingKeysWith: { $1 })
    }

    static func pair(_ text: String) -> (String, String)? {
        text.firstIndex(of: "=").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
    }

    func validate() throws {
        for text in texts {
            guard let (key, value) = Self.pair(text) else { throw ValidationError("--label \(text): expected KEY=VALUE") }
            if let problem = RunLabels.problem(key: key, value: value) { throw ValidationError("--label \(text): \(problem)") }
        }
    }
}
