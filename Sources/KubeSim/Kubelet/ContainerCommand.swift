import Foundation
import SluiceKube

/// How `--run-commands` runs one container as a local process: its argv, environment and folders.
///
/// Each pod gets a folder `<root>/<namespace>_<pod>_<uid>/`; each container runs in `<pod folder>/<container>/`
/// (its `workingDir` is ignored). The container's `terminationMessagePath` (default `/dev/termination-log`)
/// cannot be written on the host, so it maps to `<pod folder>/<container>.termination-log`: every
/// occurrence of the declared path in `command`, `args` and `env` values is replaced by the host path, and
/// the process also sees it as `KUBESIM_TERMINATION_MESSAGE_PATH`. `$(VAR)` references expand from `env`
/// as the kubelet does; `valueFrom` entries are left unset (noted in `notes`).
public struct ContainerCommand: Sendable, Equatable {
    public static let defaultTerminationMessagePath = "/dev/termination-log"

    public var container: String
    /// command + args, after path replacement and `$(VAR)` expansion; empty when the container has no
    /// `command` (its image's entrypoint cannot run here: the container is simulated instead).
    public var argv: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    public var terminationMessageFile: String
    public var fallbackToLogsOnError: Bool
    /// What could not be honoured, one sentence each.
    public var notes: [String]

    public init(container spec: JSONValue, podFolder: String, inherited: [String: String]) {
        let name = spec["name"]?.stringValue ?? "container"
        container = name
        workingDirectory = podFolder + "/" + name
        terminationMessageFile = podFolder + "/" + name + ".termination-log"
        fallbackToLogsOnError = spec["terminationMessagePolicy"]?.stringValue == "FallbackToLogsOnError"
        let declaredPath = spec["terminationMessagePath"]?.stringValue ?? Self.defaultTerminationMessagePath
        var notes: [String] = []
        var env = inherited
        var own: [String: String] = [:]
        for entry in spec["env"]?.arrayValue ?? [] {
            guard let key = entry["name"]?.stringValue else { continue }
            if let value = entry["value"]?.stringValue {
                let expanded = Self.expand(value.replacingOccurrences(of: declaredPath, with: terminationMessageFile), own)
                own[key] = expanded
            } else if entry["valueFrom"] != nil {
                notes.append("container \(name): env \(key) uses valueFrom, which kubesim does not resolve; it is left unset")
            } else {
                own[key] = ""
            }
        }
        env.merge(own) { _, new in new }
        env["KUBESIM_TERMINATION_MESSAGE_PATH"] = terminationMessageFile
        environment = env
        let words = (spec["command"]?.arrayValue ?? []) + (spec["args"]?.arrayValue ?? [])
        if spec["command"]?.arrayValue?.isEmpty ?? true {
            argv = []
            notes.append("container \(name) has no command; its image's entrypoint cannot run here, so it is simulated")
        } else {
            let hostPath = terminationMessageFile
            argv = words.compactMap(\.stringValue).map {
                Self.expand($0.replacingOccurrences(of: declaredPath, with: hostPath), own)
            }
        }
        if spec["workingDir"] != nil {
            notes.append("container \(name): workingDir is ignored; it runs in \(workingDirectory)")
        }
        self.notes = notes
    }

    /// The kubelet's `$(VAR)` expansion: defined variables are replaced, `$$` escapes, unknown ones stay.
    static func expand(_ text: String, _ env: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "$", next < text.endIndex {
                if text[next] == "$" {
                    out.append("$")
                    i = text.index(after: next)
                    continue
                }
                if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                    let name = String(text[text.index(after: next)..<close])
                    if let value = env[name] {
                        out += value
                        i = text.index(after: close)
                        continue
                    }
                }
            }
            out.append(c)
            i = next
        }
        return out
    }

    /// The message the kubelet reports: the file's first 4096 bytes; with FallbackToLogsOnError and a
    /// failure, the log tail when the file is empty.
    public func terminationMessage(exitCode: Int32, log: ContainerLog) -> String? {
        var message = ""
        if let handle = FileHandle(forReadingAtPath: terminationMessageFile) {
            let data = (try? handle.read(upToCount: 4096)) ?? Data()
            try? handle.close()
            message = String(decoding: data, as: UTF8.self)
        }
        if message.isEmpty, fallbackToLogsOnError, exitCode != 0 { message = log.fallbackMessage }
        return message.isEmpty ? nil : message
    }

    /// The pod's folder under `root`.
    public static func podFolder(root: String, namespace: String, pod: String, uid: String) -> String {
        "\(root)/\(namespace)_\(pod)_\(uid)"
    }
}
