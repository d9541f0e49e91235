import SluiceModel

/// Kubernetes-facing settings of the flow file: where a node's pods run (`placement:`) and what a container task
/// loosens of the security defaults (`security:`). Checked here as a cluster would check them, so a flow that
/// compiles is never refused by the API server for these fields.
extension FlowDecoder {
    static let placementKeys = ["node", "node_selector", "affinity", "tolerations"]
    static let affinityKeys = ["nodeAffinity", "podAffinity", "podAntiAffinity"]
    static let tolerationKeys = ["key", "operator", "value", "effect", "tolerationSeconds"]
    static let securityKeys = ["run_as_root", "privilege_escalation", "capabilities"]

    /// `placement: {node, node_selector, affinity, tolerations}`.
    func placement(_ node: SourceNode, _ path: String) -> Placement? {
        guard let f = fields(node, path, known: Self.placementKeys, what: "a placement") else { return nil }
        var p = Placement(node: string(f, "node"))
        if f.has("node_selector") { p.nodeSelector = labels(f, "node_selector", what: "node_selector matches node labels") }
        if let a = f["affinity"], fields(a, f.path("affinity"), known: Self.affinityKeys, what: "a Kubernetes affinity") != nil {
            p.affinity = Self.untyped(a)
        }
        if let t = f["tolerations"] {
            if case .sequence(let items, _) = t {
                p.tolerations = items.enumerated().compactMap { i, item in toleration(item, Self.index(f.path("tolerations"), i)) }
            } else {
                wrongShape(t, f.path("tolerations"), expected: "a list of Kubernetes tolerations")
            }
        }
        return p
    }

    /// A mapping that becomes Kubernetes labels (`labels`, `node_selector`): each key and value checked as the
    /// API server checks them, reported at the key or the value that is wrong.
    func labels(_ f: Fields, _ key: String, what: String = "labels go on the node's pods") -> [String: String] {
        let map = stringMap(f, key)
        guard let node = f[key], case .mapping(let pairs, _) = node else { return map }
        for (k, v) in pairs {
            guard let text = v.scalar?.text, let problem = RunLabels.problem(key: k.text, value: text) else { continue }
            let keyIsValid = RunLabels.problem(key: k.text, value: "") == nil
            sink.report(.invalidValue, at: keyIsValid ? v.location : k.location, path: f.path(key) + "." + k.text, "\(what): \(problem)")
        }
        return map
    }

    /// `annotations`: keys checked as Kubernetes checks annotation keys (the label-key rule); values are free text.
    func annotations(_ f: Fields, _ key: String) -> [String: String] {
        let map = stringMap(f, key)
        guard let node = f[key], case .mapping(let pairs, _) = node else { return map }
        for (k, _) in pairs {
            guard RunLabels.problem(key: k.text, value: "") != nil else { continue }
            sink.report(.invalidValue, at: k.location, path: f.path(key) + "." + k.text,
                        "annotations go on the node's pods: annotation key '\(k.text)' must be 1-63 letters, digits, '-', '_' or '.', "
                            + "starting and ending with a letter or digit, after an optional DNS prefix and '/'")
        }
        return map
    }

    /// One toleration: the keys Kubernetes knows, an operator of `Exists` or `Equal`, a known effect.
    private func toleration(_ node: SourceNode, _ path: String) -> LiteralValue? {
        guard let f = fields(node, path, known: Self.tolerationKeys, what: "a toleration") else { return nil }
        let (op, effect) = (string(f, "operator"), string(f, "effect"))
        if let op, !["Exists", "Equal"].contains(op) {
            sink.report(.invalidValue, at: f["operator"]!.location, path: f.path("operator"),
                        "toleration operator must be Exists or Equal (found '\(op)')")
        }
        if let effect, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
            sink.report(.invalidValue, at: f["effect"]!.location, path: f.path("effect"),
                        "toleration effect must be NoSchedule, PreferNoSchedule or NoExecute (found '\(effect)')")
        }
        if op == "Exists", f.has("value") {
            sink.report(.invalidValue, at: f["value"]!.location, path: f.path("value"), "a toleration with operator Exists takes no value")
        }
        if !f.has("key"), op != "Exists" {
            sink.report(.missingKey, at: f.location, path: path, "a toleration without 'key' must have operator: Exists (it then tolerates every taint)")
        }
        if f.has("tolerationSeconds") {
            _ = int(f, "tolerationSeconds", minimum: 0)
            if effect != "NoExecute" {
                sink.report(.invalidValue, at: f["tolerationSeconds"]!.location, path: f.path("tolerationSeconds"),
                            "tolerationSeconds applies only to effect: NoExecute")
            }
        }
        return Self.untyped(node)
    }

    /// `security: {run_as_root, privilege_escalation, capabilities}` of a container task.
    func security(_ node: SourceNode, _ path: String) -> ContainerSecurity? {
        guard let f = fields(node, path, known: Self.securityKeys, what: "security settings") else { return nil }
        var s = ContainerSecurity(runAsRoot: bool(f, "run_as_root") ?? false, privilegeEscalation: bool(f, "privilege_escalation") ?? false)
        for (i, name) in (stringList(f, "capabilities") ?? []).enumerated() {
            let p = Self.index(f.path("capabilities"), i)
            let location = { () -> Location in
                if case .sequence(let items, _) = f["capabilities"]! { return items[i].location }
                return f.location
            }()
            if name.uppercased().hasPrefix("CAP_") {
                sink.report(.invalidValue, at: location, path: p, "write the capability without 'CAP_': \(name.dropFirst(4).uppercased())")
            } else if name.isEmpty || !name.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5f }) {
                sink.report(.invalidValue, at: location, path: p,
                            "a capability is an upper-case Linux capability name such as NET_ADMIN (found '\(name)')")
            } else {
                s.capabilities.append(name)
            }
        }
        return s
    }
}
