import SluiceModel

/// `type: container`, the default task type: a task without `type:` (or with `type: container`) is a container task
/// (`image`, `command`, ... or a `pod:`), checked by the compiler's own rules and run by the backend itself (a local
/// process, a container, a pod). Every `TaskPluginRegistry` holds it, so the known types are listed in one place.
public struct ContainerTaskType: TaskPlugin {
    /// The type's name, which the flow decoder reads as "no plugin".
    public static let name = "container"
    public let type = ContainerTaskType.name

    public init() {}

    /// The backend runs these attempts; the controller never calls `run`.
    public var runsOnBackend: Bool { true }

    /// A container task's settings are the task's own keys, checked where the flow is decoded; it has no `config`.
    public func check(_ task: PluginTask) -> [ConfigProblem] { [] }

    public func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue] {
        throw .system("a container task is run by the backend (a process, container or pod), not by the controller")
    }
}
