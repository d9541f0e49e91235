// Enums with payloads encode as one-key objects (`{"task": "greet"}`, `{"sleep": "30s"}`),
// the shape people expect from the flow file, instead of Swift's synthesized `{"task": {"_0": ...}}`.

/// A coding key made from any string.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where K == AnyKey {
    /// The single key of a one-key object, or a decoding error naming the choices.
    func onlyKey(_ choices: [String]) throws -> String {
        guard allKeys.count == 1, let k = allKeys.first?.stringValue, choices.contains(k) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                                                    debugDescription: "expected exactly one of \(choices.joined(separator: ", "))"))
        }
        return k
    }
}

extension TaskRuntime {
    private struct Pod: Codable { var spec: LiteralValue; var primary_container: String }
    private struct Plugin: Codable { var type: String; var config: LiteralValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        switch try c.onlyKey(["container", "pod", "plugin"]) {
        case "container": self = .container(try c.decode(ContainerSpec.self, forKey: AnyKey("container")))
        case "pod":
            let p = try c.decode(Pod.self, forKey: AnyKey("pod"))
            self = .pod(spec: p.spec, primaryContainer: p.primary_container)
        default:
            let p = try c.decode(Plugin.self, forKey: AnyKey("plugin"))
            self = .plugin(type: p.type, config: p.config)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        switch self {
        case .container(let spec): try c.encode(spec, forKey: AnyKey("container"))
        case .pod(let spec, let primary): try c.encode(Pod(spec: spec, primary_container: primary), forKey: AnyKey("pod"))
        case .plugin(let type, let config): try c.encode(Plugin(type: type, config: config), forKey: AnyKey("plugin"))
        }
    }
}

extension GateSpec {
    private struct Approve: Codable { var value: Binding?; var message: String? }
    private struct Signal: Codable { var id: String; var type: LiteralType }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        switch try c.onlyKey(["sleep", "approve", "signal"]) {
        case "sleep": self = .sleep(try c.decode(DurationValue.self, forKey: AnyKey("sleep")))
        case "approve":
            let a = try c.decode(Approve.self, forKey: AnyKey("approve"))
            self = .approve(value: a.value, message: a.message)
        default:
            let s = try c.decode(Signal.self, forKey: AnyKey("signal"))
            self = .signal(id: s.id, type: s.type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        switch self {
        case .sleep(let d): try c.encode(d, forKey: AnyKey("sleep"))
        case .approve(let v, let m): try c.encode(Approve(value: v, message: m), forKey: AnyKey("approve"))
        case .signal(let id, let t): try c.encode(Signal(id: id, type: t), forKey: AnyKey("signal"))
        }
    }
}

extension ElseBranch {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        switch try c.onlyKey(["node", "fail"]) {
        case "node": self = .node(try c.decode(Node.self, forKey: AnyKey("node")))
        default: self = .fail(try c.decode(String.self, forKey: AnyKey("fail")))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        switch self {
        case .node(let n): try c.encode(n, forKey: AnyKey("node"))
        case .fail(let m): try c.encode(m, forKey: AnyKey("fail"))
        }
    }
}

extension NodeKind {
    private struct Dynamic: Codable { var task: String; var outputs: [Variable] }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let key = try c.onlyKey(["task", "workflow", "branch", "gate", "map", "dynamic"])
        let k = AnyKey(key)
        switch key {
        case "task": self = .task(try c.decode(String.self, forKey: k))
        case "workflow": self = .workflow(try c.decode(String.self, forKey: k))
        case "branch": self = .branch(try c.decode(BranchSpec.self, forKey: k))
        case "gate": self = .gate(try c.decode(GateSpec.self, forKey: k))
        case "map": self = .map(try c.decode(MapSpec.self, forKey: k))
        default:
            let d = try c.decode(Dynamic.self, forKey: k)
            self = .dynamic(task: d.task, outputs: d.outputs)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        let k = AnyKey(word)
        switch self {
        case .task(let t): try c.encode(t, forKey: k)
        case .workflow(let w): try c.encode(w, forKey: k)
        case .branch(let b): try c.encode(b, forKey: k)
        case .gate(let g): try c.encode(g, forKey: k)
        case .map(let m): try c.encode(m, forKey: k)
        case .dynamic(let t, let o): try c.encode(Dynamic(task: t, outputs: o), forKey: k)
        }
    }
}

extension Operand {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        switch try c.onlyKey(["ref", "value"]) {
        case "ref": self = .reference(try c.decode(Reference.self, forKey: AnyKey("ref")))
        default: self = .literal(try c.decode(LiteralValue.self, forKey: AnyKey("value")))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        switch self {
        case .reference(let r): try c.encode(r, forKey: AnyKey("ref"))
        case .literal(let v): try c.encode(v, forKey: AnyKey("value"))
        }
    }
}

extension Condition {
    private struct Comparison: Codable { var left: Operand; var op: ComparisonOperator; var right: Operand }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let key = try c.onlyKey(["compare", "and", "or", "not", "value"])
        let k = AnyKey(key)
        switch key {
        case "compare":
            let x = try c.decode(Comparison.self, forKey: k)
            self = .compare(x.left, x.op, x.right)
        case "and": self = .and(try c.decode([Condition].self, forKey: k))
        case "or": self = .or(try c.decode([Condition].self, forKey: k))
        case "not": self = .not(try c.decode(Condition.self, forKey: k))
        default: self = .value(try c.decode(Operand.self, forKey: k))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        switch self {
        case .compare(let l, let op, let r): try c.encode(Comparison(left: l, op: op, right: r), forKey: AnyKey("compare"))
        case .and(let cs): try c.encode(cs, forKey: AnyKey("and"))
        case .or(let cs): try c.encode(cs, forKey: AnyKey("or"))
        case .not(let x): try c.encode(x, forKey: AnyKey("not"))
        case .value(let o): try c.encode(o, forKey: AnyKey("value"))
        }
    }
}
