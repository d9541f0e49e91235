import Foundation
import SluiceKube

/// How `--run-commands` runs one container as a local process: its argv, environment and folders.
///
/// Each pod gets a folder `<root>/<namespace>_<pod>_<uid>/`; each container runs in `<pod folder>/<container>/`
/// (its `workingDir` is ignored). A process cannot see the container's file system, so container paths are
/// mapped to host paths (`ContainerPathMap`): every `volumeMounts` path to its volume's folder
/// (`PodVolumes`), and the `terminationMessagePath` (default `/dev/termination-log`) to
/// `<pod folder>/<container>.termination-log` unless it lies inside a mounted volume, where it is that
/// volume's file. Occurrences of these paths in `command`, `args` and literal `env` values are replaced by
/// the host paths; the process also sees the message file as `KUBESIM_TERMINATION_MESSAGE_PATH`. Limits:
/// paths the program builds itself, reads from files or gets from Secret/ConfigMap values are not
/// rewritten; read-only mounts and the security context (user, capabilities) are not enforced; a volume
/// nested in another is a symlink in the outer folder. `env` `valueFrom` (ConfigMap and Secret keys, pod
/// fields, container resources) and `envFrom` resolve from `PodSources`; `$(VAR)` references expand as the
/// kubelet does.
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
    /// The container paths this command's text was rewritten with.
    var paths: ContainerPathMap

    /// A command without the pod's sources: `valueFrom` and `envFrom` are left unset (noted in `notes`).
    public init(container spec: JSONValue, podFolder: String, inherited: [String: String]) {
        self.init(container: spec, podFolder: podFolder, inherited: inherited, sources: nil, mounts: [])
    }

    init(container spec: JSONValue, podFolder: String, inherited: [String: String], sources: PodSources?,
         mounts: [PodVolumes.Mount]) {
        let name = spec["name"]?.stringValue ?? "container"
        container = name
        workingDirectory = podFolder + "/" + name
        fallbackToLogsOnError = spec["terminationMessagePolicy"]?.stringValue == "FallbackToLogsOnError"
        let declaredPath = spec["terminationMessagePath"]?.stringValue ?? Self.defaultTerminationMessagePath
        var paths = ContainerPathMap(mounts.map { ($0.containerPath, $0.hostPath) })
        let messageFile = paths.host(for: declaredPath) ?? podFolder + "/" + name + ".termination-log"
        terminationMessageFile = messageFile
        paths.add(declaredPath, messageFile)
        self.paths = paths
        var notes: [String] = []
        var own: [String: String]
        if let sources {
            own = ContainerEnvironment.resolve(spec, sources: sources, literal: paths.rewrite)
        } else {
            own = [:]
            for entry in spec["env"]?.arrayValue ?? [] {
                guard let key = entry["name"]?.stringValue else { continue }
                if let value = entry["value"]?.stringValue {
                    own[key] = Self.expand(paths.rewrite(value), own)
                } else if entry["valueFrom"] != nil {
                    notes.append("container \(name): env \(key) uses valueFrom, which kubesim does not resolve; it is left unset")
                } else {
                    own[key] = ""
                }
            }
        }
        var env = inherited
        env.merge(own) { _, new in new }
        env["KUBESIM_TERMINATION_MESSAGE_PATH"] = messageFile
        environment = env
        let words = (spec["command"]?.arrayValue ?? []) + (spec["args"]?.arrayValue ?? [])
        if spec["command"]?.arrayValue?.isEmpty ?? true {
            argv = []
            notes.append("container \(name) has no command; its image's entrypoint cannot run here, so it is simulated")
        } else {
            argv = words.compactMap(\.stringValue).map { Self.expand(paths.rewrite($0), own) }
        }
        if spec["workingDir"] != nil {
            notes.append("container \(name): workingDir is ignored; it runs in \(workingDirectory)")
        }
        let context = spec["securityContext"]
        let ignored = ["runAsUser", "runAsGroup", "capabilities", "readOnlyRootFilesystem", "privileged"]
            .filter { context?[$0] != nil }
        if !ignored.isEmpty {
            notes.append("container \(name): securityContext \(ignored.joined(separator: ", ")) is not enforced on local processes")
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
