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

    /// `{secret: NAME, key: KEY}` read from a mapping already checked for its keys: the name must be a Kubernetes
    /// Secret name and a safe file name (lowercase letters, digits, '-' and '.'), the key letters, digits, '-', '_'
    /// and '.', so the reference means the same in the store's secrets folder and in a cluster.
    public mutating func secretRef(_ f: [String: LiteralValue], at path: String) -> SecretRef? {
        guard let name = string(f, "secret", at: path) else { return nil }
        var ok = true
        if let problem = Self.secretNameProblem(name) {
            report(Self.join(path, "secret"), "'\(name)' is not a secret name: \(problem)")
            ok = false
        }
        let key = string(f, "key", at: path)
        if let key, let problem = Self.secretKeyProblem(key) {
            report(Self.join(path, "key"), "'\(key)' is not a secret key: \(problem)")
            ok = false
        }
        return ok ? SecretRef(name: name, key: key) : nil
    }

    /// Why `name` is not a secret name (a DNS-1123 subdomain), or nil.
    public static func secretNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > 253 { return "it is longer than 253 characters" }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if let problem = KubernetesName.dns1123LabelProblem(String(label)) {
                return "each '.'-separated part \(problem)"
            }
        }
        return nil
    }

    /// Why `key` is not a key of a secret, or nil.
    public static func secretKeyProblem(_ key: String) -> String? {
        if key.isEmpty || key == "." || key == ".." { return "it must be a name, not '\(key)'" }
        if key.utf8.count > 253 { return "it is longer than 253 characters" }
        if let bad = key.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0))) }) {
            return "it may contain only letters, digits, '-', '_' and '.' (found '\(bad)')"
        }
        return nil
    }
}
