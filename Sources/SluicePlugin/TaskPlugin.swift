import SluiceModel

/// A task type (`type: http`, `type: sql`) that the controller runs itself, with no process, container or pod.
///
/// The compiler asks the plugin to `check` a task's `config` (problems come back with the config path they are
/// about and are shown like every other flow-file error); the controller's plugin backend calls `run` for each
/// attempt, observes its end and cancels it through Swift task cancellation, like any attempt.
public protocol TaskPlugin: Sendable {
    /// The `type:` this plugin handles.
    var type: String { get }
    /// The problems of one task's `config` against its interface; empty when it can run.
    func check(_ task: PluginTask) -> [ConfigProblem]
    /// Runs one attempt and returns its outputs by name (typed by the engine against the task's outputs).
    /// Cancellation of the calling Swift task must stop the work promptly and throw `PluginFailure.cancelled`.
    func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue]
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
    /// The attempt's external name (`<run>-<node>-<attempt>`), for logs and idempotency keys.
    public var name: String
    /// Reads a secret (name, optional key) from the backend's secret source.
    public var secret: @Sendable (_ name: String, _ key: String?) throws(PluginFailure) -> String

    public init(task: PluginTask, inputs: [String: LiteralValue], name: String,
                secret: @escaping @Sendable (_ name: String, _ key: String?) throws(PluginFailure) -> String) {
        self.task = task
        self.inputs = inputs
        self.name = name
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
