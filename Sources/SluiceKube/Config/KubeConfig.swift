#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kubeconfig files merged as kubectl merges them: the first file to define a cluster, user or context
/// name keeps it whole, and the first file to set `current-context` decides it.
public struct KubeConfig: Sendable, Equatable {
    /// The files merged, in order of precedence.
    public var files: [String] = []
    public var clusters: [String: KubeConfigFile.Cluster] = [:]
    public var users: [String: KubeConfigFile.User] = [:]
    public var contexts: [String: KubeConfigFile.Context] = [:]
    public var currentContext: String?

    public init(merging files: [KubeConfigFile]) {
        for file in files {
            self.files.append(file.path)
            clusters.merge(file.clusters) { first, _ in first }
            users.merge(file.users) { first, _ in first }
            contexts.merge(file.contexts) { first, _ in first }
            if currentContext == nil { currentContext = file.currentContext }
        }
    }

    /// The files `KUBECONFIG` lists (colon-separated; empty entries and repeats dropped), else `~/.kube/config`.
    public static func defaultPaths(environment: [String: String]) -> [String] {
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen: Set<String> = []
            return list.split(separator: ":", omittingEmptySubsequences: true).map(String.init).filter { seen.insert($0).inserted }
        }
        return [FilePath.join(homeDirectory(environment), ".kube/config")]
    }

    /// Reads and merges `paths`, each of which must exist; with nil, the default paths, skipping missing
    /// ones as kubectl does (but at least one must exist). A file that exists but cannot be parsed is an error.
    public static func load(paths: [String]? = nil, environment: [String: String]) throws(KubeConfigError) -> KubeConfig {
        let explicit = paths != nil
        let candidates = paths ?? defaultPaths(environment: environment)
        var files: [KubeConfigFile] = []
        for path in candidates where !path.isEmpty {
            do {
                files.append(try KubeConfigFile.read(path))
            } catch let error where error.kind == .notFound && !explicit {
                continue
            }
        }
        guard !files.isEmpty else {
            let fromVariable = !(environment["KUBECONFIG"] ?? "").isEmpty
            let source = explicit ? "the given paths" : fromVariable ? "KUBECONFIG" : "the default location"
            throw KubeConfigError(.notFound, "no kubeconfig file found: \(source) (\(candidates.joined(separator: ", "))) name no existing file")
        }
        return KubeConfig(merging: files)
    }

    static func homeDirectory(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }
}
