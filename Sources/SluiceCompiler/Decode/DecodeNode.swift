import SluiceModel

extension FlowDecoder {
    static let kindKeys = ["task", "workflow", "if", "gate", "map", "dynamic", "deploy"]
    static let commonNodeKeys = ["id", "inputs", "after", "timeout", "retries", "cache", "placement", "labels", "interruptible", "outputs"]
    static var nodeKeys: [String] { commonNodeKeys + kindKeys }

    /// One node; `defaultID` names nodes that may omit `id` (branch cases, the failure node).
    func node(_ raw: SourceNode, _ path: String, scope: NodeScope, defaultID: String? = nil, extraKeys: [String] = []) -> Node? {
        guard let f = fields(raw, path, known: Self.nodeKeys + extraKeys, what: "a node") else { return nil }
        let id: String
        if f.has("id") {
            guard let given = string(f, "id") else { return nil }
            id = given
            checkDNSLabel(id, at: f["id"]!.location, f.path("id"), what: "node id")
        } else if let d = defaultID {
            id = d
        } else {
            missing(f, "id", "a unique name for the node, e.g. id: train")
            return nil
        }
        let kinds = Self.kindKeys.filter { f.has($0) }
        if kinds.isEmpty, case .mapping(let pairs, _) = raw,
           pairs.contains(where: { Suggest.closest(to: $0.key.text, in: Self.nodeKeys + extraKeys, minimumLength: 2).map(Self.kindKeys.contains) == true }) {
            // A misspelled kind key was reported as unknown, with its suggestion; saying "no kind" too would repeat it.
            scope.recordFailure(id: id)
            return nil
        }
        guard kinds.count == 1 else {
            let found = kinds.isEmpty ? "none" : kinds.joined(separator: " and ")
            sink.report(.missingKey, at: f.location, path: f.path,
                        "node '\(id)' needs exactly one of task, workflow, if, gate, map, dynamic, deploy (found \(found))")
            scope.recordFailure(id: id)
            return nil
        }
        guard let kind = nodeKind(kinds[0], f, id: id, scope: scope) else {
            scope.recordFailure(id: id)
            return nil
        }
        var n = Node(id: id, kind: kind)
        if let i = f["inputs"] {
            switch kind {
            case .task where kinds[0] == "deploy":
                sink.report(.invalidValue, path: f.path("inputs"), "a deploy node takes no 'inputs': it deploys the app as its file defines it")
            case .task, .workflow, .dynamic: n.inputs = inputBindings(i, f.path("inputs"))
            default: sink.report(.invalidValue, path: f.path("inputs"), "a \(kind.word) node takes no 'inputs' here\(kind.word == "map" ? "; put them under map.inputs" : "")")
            }
        }
        if f.has("outputs"), case .dynamic = kind {} else if f.has("outputs") {
            sink.report(.invalidValue, path: f.path("outputs"), "only dynamic nodes declare 'outputs'; a \(kind.word) node's outputs come from what it runs")
        }
        n.after = stringList(f, "after") ?? []
        n.timeout = f["timeout"].flatMap { timeout($0, f.path("timeout")) }
        n.retries = f["retries"].flatMap { retries($0, f.path("retries")) }
        n.cache = f["cache"].flatMap { cache($0, f.path("cache")) }
        n.labels = labels(f, "labels")
        n.interruptible = bool(f, "interruptible")
        n.placement = f["placement"].flatMap { placement($0, f.path("placement")) }
        scope.record(id: id, path: path)
        return n
    }

    private func nodeKind(_ key: String, _ f: Fields, id: String, scope: NodeScope) -> NodeKind? {
        let value = f[key]!
        let p = f.path(key)
        switch key {
        case "task":
            guard let name = text(value, p, what: "the name of a task defined under tasks:") else { return nil }
            if let app = AppDeploy.app(ofTask: name) {
                sink.report(.invalidValue, path: p, "'\(name)' is not a task name; to deploy app '\(app)' write deploy: \(app) instead of task:")
                return nil
            }
            return .task(name)
        case "deploy":
            // The compiler makes the task this node runs (`AppUseCheck.deployTasks`), once the file's apps are known.
            guard let app = text(value, p, what: "the name of an app defined under apps:") else { return nil }
            deploySteps.append((app, p))
            return .task(AppDeploy.taskName(app))
        case "workflow": return text(value, p, what: "the name of a workflow defined under workflows:").map(NodeKind.workflow)
        case "dynamic":
            guard let task = text(value, p, what: "the name of the task that generates the flow") else { return nil }
            let outputs = f["outputs"].map { variables($0, f.path("outputs"), what: "the outputs of the generated flow (name: type)") } ?? []
            return .dynamic(task: task, outputs: outputs)
        case "gate": return gate(value, p).map(NodeKind.gate)
        case "map": return mapSpec(value, p).map(NodeKind.map)
        default: return branch(value, p, parentID: id, scope: scope).map(NodeKind.branch)
        }
    }

    private func gate(_ node: SourceNode, _ path: String) -> GateSpec? {
        guard let f = fields(node, path, known: ["sleep", "approve", "signal", "type", "message"], what: "a gate") else { return nil }
        let kinds = ["sleep", "approve", "signal"].filter { f.has($0) }
        guard kinds.count == 1 else {
            sink.report(.missingKey, at: f.location, path: path, "a gate needs exactly one of sleep, approve, signal (found \(kinds.isEmpty ? "none" : kinds.joined(separator: " and ")))")
            return nil
        }
        if kinds[0] != "signal", f.has("type") {
            sink.report(.invalidValue, path: f.path("type"), "'type' belongs to signal gates")
        }
        switch kinds[0] {
        case "sleep":
            return duration(f, "sleep").map(GateSpec.sleep)
        case "approve":
            let v = f["approve"]!
            let value: Binding? = v.isNull ? nil : binding(v, f.path("approve"))
            if !v.isNull && value == nil { return nil }
            return .approve(value: value, message: string(f, "message"))
        default:
            guard let signalID = string(f, "signal") else { return nil }
            checkVariableName(signalID.replacingDashes, at: f["signal"]!.location, f.path("signal"), what: "signal id")
            guard let typeNode = f["type"] else {
                missing(f, "type", "the signal's value type, e.g. type: float")
                return nil
            }
            return type(typeNode, f.path("type")).map { GateSpec.signal(id: signalID, type: $0) }
        }
    }

    private func mapSpec(_ node: SourceNode, _ path: String) -> MapSpec? {
        let keys = ["over", "as", "task", "inputs", "parallelism", "min_successes", "min_success_ratio"]
        guard let f = fields(node, path, known: keys, what: "a map") else { return nil }
        guard let overNode = f["over"] else { missing(f, "over", "the list to map over, e.g. inputs.sites"); return nil }
        guard let task = string(f, "task", required: "the task run for each item") else { return nil }
        guard let over = binding(overNode, f.path("over")) else { return nil }
        let itemName = string(f, "as") ?? "item"
        if let asNode = f["as"] { checkVariableName(itemName, at: asNode.location, f.path("as"), what: "item name") }
        var m = MapSpec(over: over, itemName: itemName, task: task,
                        inputs: f["inputs"].map { inputBindings($0, f.path("inputs"), item: itemName) } ?? [])
        if let par = int(f, "parallelism") {
            if par <= 0 {
                sink.report(.invalidValue, path: f.path("parallelism"), "parallelism must be 1 or more (found \(par))")
            } else {
                m.parallelism = par
            }
        }
        if let ms = int(f, "min_successes") {
            if ms <= 0 { sink.report(.invalidValue, path: f.path("min_successes"), "min_successes must be 1 or more (found \(ms))") } else { m.minSuccesses = ms }
        }
        if let ratio = double(f, "min_success_ratio") {
            if !(ratio > 0 && ratio <= 1) {
                sink.report(.invalidValue, path: f.path("min_success_ratio"), "min_success_ratio must be in (0, 1] (found \(f.numberText("min_success_ratio")))")
            } else {
                m.minSuccessRatio = ratio
            }
        }
        if f.has("min_successes"), f.has("min_success_ratio") {
            sink.report(.invalidValue, path: f.path("min_success_ratio"), "give either min_successes or min_success_ratio, not both")
        }
        return m
    }
}

extension String {
    /// Signal ids may use '-' as well as '_'.
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
