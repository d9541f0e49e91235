import SluiceModel

/// A task type (`type: http`, `type: sql`) that the controller runs itself, with no process, container or pod, or
/// that renders a pod on Kubernetes (`rendersPod`, `container(for:)`).
///
/// The compiler asks the plugin to `check` a task's `config` (problems come back with the config path they are
/// about and are shown like every other flow-file error); the controller's plugin backend calls `run` for each
/// attempt, observes its end and cancels it through Swift task cancellation, like any attempt. An attempt that was
/// running when the controller stopped runs again after a restart only when `repeatSafety` says that is harmless.
public protocol TaskPlugin: Sendable {
    /// The `type:` this plugin handles.
    var type: String { get }
    /// Whether the backend runs this type's attempts itself, as it runs container tasks (`ContainerTaskType`): the
    /// plugin backend hands them over and never calls `run`. Default: false.
    var runsOnBackend: Bool { get }
    /// The problems of one task's `config` against its interface; empty when it can run.
    func check(_ task: PluginTask) -> [ConfigProblem]
    /// Runs one attempt and returns its outputs by name (typed by the engine against the task's outputs).
    /// Cancellation of the calling Swift task must stop the work promptly and throw `PluginFailure.cancelled`.
    func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue]
    /// Whether an attempt of `task` that was running when the controller stopped may simply run again: true only
    /// when repeating its effect is harmless (a GET, a SELECT). Default: not safe.
    func repeatSafety(_ task: PluginTask) -> RepeatSafety
    /// The secrets `task`'s config reads, each with where in `config` it is named, so a missing one refuses the
    /// run at submit instead of failing an attempt. Default: none.
    func secrets(_ task: PluginTask) -> [PluginSecret]
    /// Whether `task` runs as a pod on Kubernetes (`container(for:)`) instead of in the controller. Default: false.
    func rendersPod(_ task: PluginTask) -> Bool
    /// Where below `config` the setting is that makes `task` run as a pod (`run_in`), so a backend without pods
    /// refuses the task at that field. Default: "" (`config` itself).
    func podSetting(_ task: PluginTask) -> String
    /// The container that runs `attempt` as a pod, for a task whose `rendersPod` is true. The backend builds the pod
    /// with the same builder as a container task's (labels, names, security defaults, the attempt's Secret).
    func container(for attempt: PluginAttempt) throws(PluginFailure) -> PluginContainer
}

extension TaskPlugin {
    public var runsOnBackend: Bool { false }
    public func repeatSafety(_ task: PluginTask) -> RepeatSafety { RepeatSafety(isSafe: false, effect: "a \(type) task") }
    public func secrets(_ task: PluginTask) -> [PluginSecret] { [] }
    public func rendersPod(_ task: PluginTask) -> Bool { false }
    public func podSetting(_ task: PluginTask) -> String { "" }
    public func container(for attempt: PluginAttempt) throws(PluginFailure) -> PluginContainer {
        throw .system("the \(type) plugin runs its tasks in the controller and renders no pod")
    }
}

/// Whether repeating an interrupted attempt's effect is harmless, and what that effect is, in words for messages
/// ("a POST request", "a statement that may write").
public struct RepeatSafety: Sendable, Hashable, Codable {
    public var isSafe: Bool
    public var effect: String

    public init(isSafe: Bool, effect: String) {
        self.isSafe = isSafe
        self.effect = effect
    }
}

/// A secret a plugin task's config names: `path` is where below `config` (`headers.Authorization.secret`).
public struct PluginSecret: Sendable, Hashable {
    public var path: String
    public var ref: SecretRef

    public init(path: String, _ ref: SecretRef) {
        self.path = path
        self.ref = ref
    }
}

/// The container a plugin attempt runs in when it runs as a pod. Every string is taken literally: `command` is the
/// argv (no shell), `env` plain values; `secrets` become variables (each ref's `env`) read from Kubernetes Secrets.
public struct PluginContainer: Sendable, Hashable {
    public var image: String
    public var command: [String]
    public var env: [EnvVar]
    public var secrets: [SecretRef]

    public init(image: String, command: [String], env: [EnvVar] = [], secrets: [SecretRef] = []) {
        self.image = image
        self.command = command
        self.env = env
        self.secrets = secrets
    }
}

/// A task as a plugin sees it: its name, interface and the untyped `config:` value.
public struct PluginTask: Sendable {
    public var name: String
    public var interface: Interface
    public var config: LiteralValue

    public init(name: String, interface: Interface, config: LiteralValue) {
        self.name = name
        self.interface = interface
        self.config = config
    }
}

/// One attempt of a plugin task: the task, the attempt's inputs, and how to read a secret.
public struct PluginAttempt: Sendable {
    public var task: PluginTask
    public var inputs: [String: LiteralValue]
    /// The attempt's external name (`<run>-<node>-<attempt>`), for logs.
    public var name: String
    /// The run's id and the node's id: the same for every attempt of the node, so an idempotency key made of them
    /// is the same when an interrupted attempt is repeated.
    public var runID: String
    public var node: String
    /// Reads a secret (name, optional key) from the backend's secret source.
    public var secret: @Sendable (_ name: String, _ key: String?) throws(PluginFailure) -> String

    public init(task: PluginTask, inputs: [String: LiteralValue], name: String, runID: String, node: String,
                secret: @escaping @Sendable (_ name: String, _ key: String?) throws(PluginFailure) -> String) {
        self.task = task
        self.inputs = inputs
        self.name = name
        self.runID = runID
        self.node = node
        self.secret = secret
    }
}

/// Why a plugin attempt failed, and so which retry budget it is charged to.
public struct PluginFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whose fault it is and whether trying again can help.
    public enum Kind: Sendable, Hashable {
        /// The task's own failure that another try may cure (a 503, a refused connection, a timeout):
        /// charged to the task's retries.
        case retryable
        /// The task's failure that no retry can cure (a 404, a syntax error in the statement): the node fails.
        case permanent
        /// The controller's side failed (a secret source that cannot be read): the system budget.
        case system
        /// The attempt was cancelled (abort, timeout of the node).
        case cancelled
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func retryable(_ m: String) -> PluginFailure { PluginFailure(.retryable, m) }
    public static func permanent(_ m: String) -> PluginFailure { PluginFailure(.permanent, m) }
    public static func system(_ m: String) -> PluginFailure { PluginFailure(.system, m) }
    public static let cancelled = PluginFailure(.cancelled, "cancelled")

    public var description: String { message }
}

/// One problem of a plugin task's `config`, at a path below `config` (`headers.Authorization`, `expect[1]`).
public struct ConfigProblem: Sendable, Hashable {
    /// The path below `config`; empty for `config` itself.
    public var path: String
    public var message: String
    /// For a misspelled word (a key, a dialect, an input name): the words it may have meant, so the compiler
    /// suggests the nearest ("did you mean 'method'?").
    public var known: [String]
    /// The misspelled word itself, when `known` is given.
    public var word: String?

    public init(path: String, _ message: String, word: String? = nil, known: [String] = []) {
        self.path = path
        self.message = message
        self.word = word
        self.known = known
    }
}
