/// One kubeconfig file as written: its named clusters, users and contexts, and its current context.
/// Relative file paths inside it are already resolved against the file's folder, as kubectl does.
public struct KubeConfigFile: Sendable, Equatable {
    /// Where the file was read from (absolute).
    public var path: String
    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    /// `current-context`; nil when unset or empty.
    public var currentContext: String?

    public init(path: String) {
        self.path = path
    }

    /// A `clusters[].cluster` entry: where the API server is and how to trust it.
    public struct Cluster: Sendable, Equatable {
        /// The file this entry came from.
        public var source: String
        public var server: String?
        /// `certificate-authority`: a CA bundle file (absolute).
        public var certificateAuthority: String?
        /// `certificate-authority-data`, decoded.
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify = false
        public var tlsServerName: String?
        public var proxyURL: String?
        public var disableCompression = false
        /// The `client.authentication.k8s.io/exec` extension, passed to exec plugins as `config`.
        public var execExtension: JSONValue?

        public init(source: String) {
            self.source = source
        }
    }

    /// A `users[].user` entry: how to prove who we are.
    public struct User: Sendable, Equatable {
        /// The file this entry came from.
        public var source: String
        public var token: String?
        /// `tokenFile` (absolute).
        public var tokenFile: String?
        /// `client-certificate` (absolute).
        public var clientCertificate: String?
        public var clientCertificateData: [UInt8]?
        /// `client-key` (absolute).
        public var clientKey: String?
        public var clientKeyData: [UInt8]?
        public var exec: Exec?
        /// Keys Sluice reads but cannot honour (basic auth, auth-provider, impersonation); refused when used.
        public var unsupportedKeys: [String] = []

        public init(source: String) {
            self.source = source
        }
    }

    /// A `users[].user.exec` entry as written; checked when the user is chosen, like kubectl does.
    public struct Exec: Sendable, Equatable {
        public var apiVersion: String?
        /// The command; a path with a `/` in it is resolved against the file's folder.
        public var command: String?
        public var args: [String] = []
        public var env: [ExecCredentialSpec.EnvVar] = []
        public var installHint: String?
        public var interactiveMode: String?
        public var provideClusterInfo = false

        public init() {}
    }

    /// A `contexts[].context` entry: a cluster, a user and a default namespace.
    public struct Context: Sendable, Equatable {
        /// The file this entry came from.
        public var source: String
        public var cluster: String?
        public var user: String?
        public var namespace: String?

        public init(source: String) {
            self.source = source
        }
    }
}
