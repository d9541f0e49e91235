/// The task plugins a compiler and a controller know, keyed by `type`.
public struct TaskPluginRegistry: Sendable {
    private var byType: [String: any TaskPlugin] = [:]

    public init(_ plugins: [any TaskPlugin] = []) {
        for p in plugins { byType[p.type] = p }
    }

    /// The plugin for `type`, if one is registered.
    public subscript(type type: String) -> (any TaskPlugin)? { byType[type] }

    /// Every registered type, sorted (for "known types are ..." messages).
    public var types: [String] { byType.keys.sorted() }
}
