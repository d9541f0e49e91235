/// Names the decoder reported and left out: an input whose type does not parse, a binding that did not read.
/// The checker looks here before calling a name unknown or missing, so one mistake gives one error.
struct DroppedNames: Sendable {
    /// Names by the path of the mapping that holds them (`tasks.t.inputs`, `nodes[2].inputs`).
    private var names: [String: Set<String>] = [:]

    mutating func insert(_ name: String, under path: String) {
        names[path, default: []].insert(name)
    }

    /// Stands for every name of a mapping whose key itself was misspelled (and reported).
    static let everything = "*"

    func contains(_ name: String, under path: String) -> Bool {
        guard let set = names[path] else { return false }
        return set.contains(name) || set.contains(Self.everything)
    }

    /// The names dropped from the mapping at `path`.
    func all(under path: String) -> Set<String> {
        names[path] ?? []
    }
}
