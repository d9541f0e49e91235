/// Points at a value: a workflow input, a node's output, the current map item, or the failure being handled.
public enum Reference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `inputs.NAME`
    case input(String)
    /// `NODE.OUTPUT`
    case output(node: String, name: String)
    /// The `as` name of the enclosing map (`site`).
    case item(String)
    /// `error.message` or `error.node`, available to a failure node.
    case failure(String)

    /// The flow-file spelling.
    public var description: String {
        switch self {
        case .input(let n): "inputs.\(n)"
        case .output(let node, let name): "\(node).\(name)"
        case .item(let n): n
        case .failure(let f): "error.\(f)"
        }
    }

    /// The node this reference depends on, if any.
    public var node: String? {
        if case .output(let node, _) = self { return node }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count) {
        case ("inputs", 2): self = .input(parts[1])
        case ("error", 2): self = .failure(parts[1])
        case (_, 2): self = .output(node: parts[0], name: parts[1])
        default: self = .item(text)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// How a node input gets its value: a reference, a literal, or a list/map built from other bindings.
public indirect enum Binding: Sendable, Hashable, Codable {
    case reference(Reference)
    case literal(LiteralValue)
    case list([Binding])
    case map([String: Binding])

    /// Every reference inside this binding, in order.
    public var references: [Reference] {
        switch self {
        case .reference(let r): [r]
        case .literal: []
        case .list(let items): items.flatMap(\.references)
        case .map(let entries): entries.keys.sorted().flatMap { entries[$0]!.references }
        }
    }

    enum CodingKeys: String, CodingKey { case ref, value, list, map }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let r = try c.decodeIfPresent(Reference.self, forKey: .ref) {
            self = .reference(r)
        } else if let l = try c.decodeIfPresent([Binding].self, forKey: .list) {
            self = .list(l)
        } else if let m = try c.decodeIfPresent([String: Binding].self, forKey: .map) {
            self = .map(m)
        } else {
            self = .literal(try c.decode(LiteralValue.self, forKey: .value))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .reference(let r): try c.encode(r, forKey: .ref)
        case .literal(let v): try c.encode(v, forKey: .value)
        case .list(let l): try c.encode(l, forKey: .list)
        case .map(let m): try c.encode(m, forKey: .map)
        }
    }
}

/// One input binding of a node, in the order the flow file gives them.
public struct InputBinding: Sendable, Hashable, Codable {
    public var name: String
    public var binding: Binding

    public init(name: String, binding: Binding) {
        self.name = name
        self.binding = binding
    }
}
