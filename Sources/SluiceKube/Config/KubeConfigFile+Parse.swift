import Yams

extension KubeConfigFile {
    /// Keys of a user entry Sluice cannot honour; a chosen user with one of them is refused, not ignored.
    static let unsupportedUserKeys = ["username", "password", "auth-provider", "as", "as-uid", "as-groups", "as-user-extra"]

    /// Reads and parses the kubeconfig at `path`.
    public static func read(_ path: String) throws(KubeConfigError) -> KubeConfigFile {
        let absolute = FilePath.absolute(path)
        switch FileBytes.contents(of: absolute) {
        case .failure(let failure):
            throw KubeConfigError(failure.missing ? .notFound : .unreadable, file: absolute, "cannot read the kubeconfig: \(failure.reason)")
        case .success(let bytes):
            return try KubeConfigFile(parsing: String(decoding: bytes, as: UTF8.self), path: absolute)
        }
    }

    /// Parses kubeconfig YAML; `path` names the file in errors and is the base of its relative paths.
    public init(parsing text: String, path: String) throws(KubeConfigError) {
        self.init(path: path)
        guard let top = try YAMLFields(try Self.compose(text, path: path), file: path, path: "") else { return }
        let base = FilePath.directory(of: path)
        clusters = try Self.namedEntries(top, list: "clusters", field: "cluster") { fields throws(KubeConfigError) in
            try Self.cluster(fields, source: path, base: base)
        }
        users = try Self.namedEntries(top, list: "users", field: "user") { fields throws(KubeConfigError) in
            try Self.user(fields, source: path, base: base)
        }
        contexts = try Self.namedEntries(top, list: "contexts", field: "context") { fields throws(KubeConfigError) in
            var context = Context(source: path)
            context.cluster = try fields?.string("cluster")
            context.user = try fields?.string("user")
            context.namespace = try fields?.string("namespace")
            return context
        }
        currentContext = try top.string("current-context").flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func compose(_ text: String, path: String) throws(KubeConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                let within = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
                throw KubeConfigError(.invalid, file: path, line: mark.line, "not valid YAML: \(problem)\(within)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                throw KubeConfigError(.invalid, file: path, line: context.mark.line, "not valid YAML: the key \(keys) appears twice in one mapping")
            default:
                throw KubeConfigError(.invalid, file: path, "not valid YAML: \(error)")
            }
        } catch {
            throw KubeConfigError(.invalid, file: path, "not valid YAML: \(error)")
        }
    }

    /// A `- name: x` + `field: {...}` list as a map by name; a name used twice is an error, as in kubectl.
    private static func namedEntries<Entry>(
        _ top: YAMLFields, list: String, field: String, _ read: (YAMLFields?) throws(KubeConfigError) -> Entry
    ) throws(KubeConfigError) -> [String: Entry] {
        var entries: [String: Entry] = [:]
        for (index, item) in try top.sequence(list).enumerated() {
            guard let named = try YAMLFields(item, file: top.file, path: "\(list)[\(index)]") else { continue }
            let name = try named.string("name") ?? ""
            let entryPath = "\(list)[\(name.isEmpty ? String(index) : name)]"
            if entries[name] != nil {
                throw KubeConfigError(.invalid, file: top.file, line: YAMLFields.line(item), keyPath: entryPath,
                                      "the name \"\(name)\" is used by two entries of \(list); each must be unique")
            }
            entries[name] = try read(try named.fields(field, as: "\(entryPath).\(field)"))
        }
        return entries
    }

    private static func cluster(_ fields: YAMLFields?, source: String, base: String) throws(KubeConfigError) -> Cluster {
        var cluster = Cluster(source: source)
        guard let fields else { return cluster }
        cluster.server = try fields.string("server")
        cluster.certificateAuthority = try fields.string("certificate-authority").map { FilePath.resolve($0, against: base) }
        cluster.certificateAuthorityData = try fields.base64("certificate-authority-data")
        cluster.insecureSkipTLSVerify = try fields.bool("insecure-skip-tls-verify")
        cluster.tlsServerName = try fields.string("tls-server-name")
        cluster.proxyURL = try fields.string("proxy-url")
        cluster.disableCompression = try fields.bool("disable-compression")
        for (index, item) in try fields.sequence("extensions").enumerated() {
            guard let named = try YAMLFields(item, file: source, path: "\(fields.keyPath("extensions"))[\(index)]"),
                  try named.string("name") == "client.authentication.k8s.io/exec",
                  let extensionNode = named.node("extension")
            else { continue }
            cluster.execExtension = JSONValue(yaml: extensionNode)
        }
        return cluster
    }

    private static func user(_ fields: YAMLFields?, source: String, base: String) throws(KubeConfigError) -> User {
        var user = User(source: source)
        guard let fields else { return user }
        user.token = try fields.string("token")
        user.tokenFile = try fields.string("tokenFile").map { FilePath.resolve($0, against: base) }
        user.clientCertificate = try fields.string("client-certificate").map { FilePath.resolve($0, against: base) }
        user.clientCertificateData = try fields.base64("client-certificate-data")
        user.clientKey = try fields.string("client-key").map { FilePath.resolve($0, against: base) }
        user.clientKeyData = try fields.base64("client-key-data")
        user.unsupportedKeys = unsupportedUserKeys.filter { fields.has($0) }
        if let execFields = try fields.fields("exec") {
            user.exec = try exec(execFields, base: base)
        }
        return user
    }

    private static func exec(_ fields: YAMLFields, base: String) throws(KubeConfigError) -> Exec {
        var exec = Exec()
        exec.apiVersion = try fields.string("apiVersion")
        // Only a command with a slash is a path; a bare name is looked up on PATH (client-go's rule).
        exec.command = try fields.string("command").map { $0.contains("/") ? FilePath.resolve($0, against: base) : $0 }
        exec.args = try fields.strings("args")
        for (index, item) in try fields.sequence("env").enumerated() {
            guard let entry = try YAMLFields(item, file: fields.file, path: "\(fields.keyPath("env"))[\(index)]") else { continue }
            exec.env.append(.init(name: try entry.string("name") ?? "", value: try entry.string("value") ?? ""))
        }
        exec.installHint = try fields.string("installHint")
        exec.interactiveMode = try fields.string("interactiveMode")
        exec.provideClusterInfo = try fields.bool("provideClusterInfo")
        return exec
    }
}
