import SluiceModel

/// Reads a plugin's untyped `config` into typed settings, collecting problems with their paths instead of
/// stopping at the first: a plugin parses the same way at compile time (to report) and at run time (to run).
public struct ConfigReader: Sendable {
    public private(set) var problems: [ConfigProblem] = []

    public init() {}

    /// Joins a path and a key the way the flow file's paths read (`headers.Accept`).
    public static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public mutating func report(_ path: String, _ message: String, word: String? = nil, known: [String] = []) {
        problems.append(ConfigProblem(path: path, message, word: word, known: known))
    }

    /// A mapping whose keys are all in `known`, with every key of `required` present.
    public mutating func mapping(_ value: LiteralValue?, at path: String, known: [String], required: [String] = [],
                                 what: String) -> [String: LiteralValue]? {
        guard case .map(let m)? = value else {
            report(path, "expected a mapping (\(what))")
            return nil
        }
        for key in m.keys.sorted() where !known.contains(key) {
            report(Self.join(path, key), "unknown key '\(key)' in \(what)", word: key, known: known)
        }
        for key in required where m[key] == nil {
            report(path, "\(what) needs '\(key)'")
        }
        return m
    }

    /// A text value; numbers and booleans are not taken for text.
    public mutating func string(_ m: [String: LiteralValue], _ key: String, at path: String) -> String? {
        guard let v = m[key] else { return nil }
        guard case .string(let s) = v else {
            report(Self.join(path, key), "expected text, found \(v)")
            return nil
        }
        return s
    }

    /// One of `choices`, with a suggestion for a near miss.
    public mutating func choice(_ m: [String: LiteralValue], _ key: String, at path: String, _ choices: [String]) -> String? {
        guard let s = string(m, key, at: path) else { return nil }
        guard choices.contains(s) else {
            report(Self.join(path, key), "'\(s)' is not one of \(choices.joined(separator: ", "))", word: s, known: choices)
            return nil
        }
        return s
    }

    /// A duration such as `10s` or `500ms`, more than zero.
    public mutating func duration(_ m: [String: LiteralValue], _ key: String, at path: String) -> Duration? {
        guard let s = string(m, key, at: path) else { return nil }
        do {
            let d = try DurationValue(parsing: s)
            guard d.milliseconds > 0 else {
                report(Self.join(path, key), "the duration must be more than zero")
                return nil
            }
            return .milliseconds(d.milliseconds)
        } catch {
            report(Self.join(path, key), "\(error)")
            return nil
        }
    }

    /// Checks that every `{{inputs.NAME}}` in `template` names an input of `interface`.
    public mutating func checkInputs(_ template: InputTemplate, at path: String, _ interface: Interface) {
        let names = interface.inputs.map(\.name)
        for name in template.inputNames where !names.contains(name) {
            report(path, "'{{inputs.\(name)}}' names no input of the task; its inputs are \(names.isEmpty ? "none" : names.joined(separator: ", "))",
                   word: name, known: names)
        }
    }
}
