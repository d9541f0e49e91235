/// The task types a compiler and a controller know, keyed by `type`: always `container` (`ContainerTaskType`, the
/// default, run by the backend), plus the plugins given (`http`, `sql`, ...), which the controller runs itself or
/// renders as pods.
public struct TaskPluginRegistry: Sendable {
    private var byType: [String: any TaskPlugin] = [ContainerTaskType.name: ContainerTaskType()]

    /// A registry of `container` and `plugins`; a plugin may not take the name `container` or another's name.
    public init(_ plugins: [any TaskPlugin] = []) {
        for p in plugins {
            precondition(byType[p.type] == nil, "task type '\(p.type)' is registered twice")
            byType[p.type] = p
        }
    }

    /// The plugin for `type`, if one is registered.
    public subscript(type type: String) -> (any TaskPlugin)? { byType[type] }

    /// Every registered type, sorted (for "known types are ..." messages).
    public var types: [String] { byType.keys.sorted() }

    /// The types the controller runs or renders itself (every type but those the backend runs, i.e. `container`).
    public var pluginTypes: [String] { byType.filter { !$0.value.runsOnBackend }.keys.sorted() }
}
