import Synchronization

/// The faults in force, shared by the server and whoever sets them (CLI, tests, admin endpoint).
public final class FaultPlan: Sendable {
    private let rules = Mutex<[FaultRule]>([])

    public init(_ rules: [FaultRule] = []) { self.rules.withLock { $0 = rules } }

    public func add(_ rule: FaultRule) { rules.withLock { $0.append(rule) } }
    public func add(_ spec: String) throws(FaultSpecError) { add(try FaultRule(parsing: spec)) }
    public func clear() { rules.withLock { $0.removeAll() } }
    public var current: [FaultRule] { rules.withLock { $0 } }

    /// The first rule matching the request, counting it against the rule's `count`.
    func take(method: String, path: String) -> FaultRule? {
        rules.withLock { rules in
            guard let i = rules.firstIndex(where: { $0.matches(method: method, path: path) }) else { return nil }
            let rule = rules[i]
            if let count = rule.count {
                if count <= 1 { rules.remove(at: i) } else { rules[i].count = count - 1 }
            }
            return rule
        }
    }
}
