/// Why a cluster connection could not be configured: the file, line and key path it is about, and one
/// sentence saying what was expected.
public struct KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, for callers that branch on it (the CLI and API map it to a code).
    public enum Kind: String, Sendable, Equatable {
        /// No kubeconfig file, or a named context, cluster or user that is not defined.
        case notFound = "not-found"
        /// A file named by the configuration could not be read.
        case unreadable
        /// A value is malformed, or a combination kubectl refuses too.
        case invalid
        /// Not running in a pod: the service variables or the service-account token are missing.
        case notInCluster = "not-in-cluster"
        /// A token file or an exec plugin failed to produce credentials.
        case credentials
    }

    public var kind: Kind
    /// The kubeconfig (or token, or certificate) file the failure is about.
    public var file: String?
    /// The line in `file`, when the failure was found while parsing it.
    public var line: Int?
    /// Where in the kubeconfig, such as `users[dev].user.client-key`.
    public var keyPath: String?
    /// What was wrong and what was expected.
    public var message: String

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, keyPath: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// `file:line: key.path: message`, leaving out the parts that are unknown.
    public var description: String {
        var text = ""
        if let file { text += line.map { "\(file):\($0): " } ?? "\(file): " }
        if let keyPath { text += "\(keyPath): " }
        return text + message
    }
}
