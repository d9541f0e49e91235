/// How to run a client-go credential plugin (`users[].user.exec`): the command, its arguments and
/// environment, and the `client.authentication.k8s.io` version it speaks.
public struct ExecCredentialSpec: Sendable, Hashable {
    /// Whether the plugin may talk to a person on stdin. Sluice never gives it a terminal.
    public enum InteractiveMode: String, Sendable, Hashable {
        case never = "Never"
        case ifAvailable = "IfAvailable"
        case always = "Always"
    }

    /// One `env` entry added to the plugin's environment.
    public struct EnvVar: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The API versions of ExecCredential that client-go still accepts.
    public static let supportedAPIVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    public var apiVersion: String
    /// A name looked up on `PATH`, or a path.
    public var command: String
    public var args: [String]
    public var env: [EnvVar]
    /// Shown when the command is not found, to tell a person how to install it.
    public var installHint: String?
    public var interactiveMode: InteractiveMode
    /// Pass the cluster's details to the plugin in `KUBERNETES_EXEC_INFO`.
    public var provideClusterInfo: Bool
    /// How long the plugin may run before it is killed.
    public var timeout: Duration
    /// The most the plugin may write to stdout.
    public var maxOutputBytes: Int
    /// Where the spec came from (`users[dev].user.exec` and its file), for error messages.
    public var keyPath: String?
    public var sourceFile: String?

    public init(
        apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [],
        installHint: String? = nil, interactiveMode: InteractiveMode = .ifAvailable, provideClusterInfo: Bool = false,
        timeout: Duration = .seconds(30), maxOutputBytes: Int = 1 << 20, keyPath: String? = nil, sourceFile: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.installHint = installHint
        self.interactiveMode = interactiveMode
        self.provideClusterInfo = provideClusterInfo
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
        self.keyPath = keyPath
        self.sourceFile = sourceFile
    }
}

/// The cluster as an exec plugin sees it in `KUBERNETES_EXEC_INFO` when `provideClusterInfo` is set.
public struct ExecClusterInfo: Sendable, Hashable {
    public var server: String
    public var tlsServerName: String?
    public var insecureSkipTLSVerify: Bool
    /// The CA bundle, sent base64-encoded as `certificate-authority-data`.
    public var certificateAuthorityData: [UInt8]?
    public var proxyURL: String?
    public var disableCompression: Bool
    /// The cluster's `client.authentication.k8s.io/exec` extension, sent as `config`.
    public var config: JSONValue?

    public init(
        server: String, tlsServerName: String? = nil, insecureSkipTLSVerify: Bool = false,
        certificateAuthorityData: [UInt8]? = nil, proxyURL: String? = nil, disableCompression: Bool = false,
        config: JSONValue? = nil
    ) {
        self.server = server
        self.tlsServerName = tlsServerName
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.certificateAuthorityData = certificateAuthorityData
        self.proxyURL = proxyURL
        self.disableCompression = disableCompression
        self.config = config
    }
}

/// A client certificate and key pair an exec plugin returned (PEM).
public struct ExecClientCertificate: Sendable, Hashable {
    public var certificatePEM: [UInt8]
    public var keyPEM: [UInt8]

    public init(certificatePEM: [UInt8], keyPEM: [UInt8]) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }
}
