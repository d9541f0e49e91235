import SluiceModel

extension FlowDecoder {
    /// `if: [{when, then}, {when|elif, then}..., {else: node | {fail: message}}]`.
    func branch(_ node: SourceNode, _ path: String, parentID: String, scope: NodeScope) -> BranchSpec? {
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            wrongShape(node, path, expected: "a list of cases ({when: ..., then: ...}) ending with an optional {else: ...}")
            return nil
        }
        var spec = BranchSpec(cases: [])
        var elseAt: Int?
        var ok = true
        for (i, item) in items.enumerated() {
            let p = Self.index(path, i)
            guard let f = fields(item, p, known: ["when", "elif", "then", "else"], what: "a branch case") else { ok = false; continue }
            if let e = elseAt {
                sink.report(.unreachable, at: f.location, path: p,
                            "unreachable: this case comes after the else at \(path)[\(e)], which always ends the branch")
                continue
            }
            if let elseNode = f["else"] {
                for k in ["when", "elif", "then"] where f.has(k) {
                    sink.report(.invalidValue, path: f.path(k), "an else case has no '\(k)'")
                }
                elseAt = i
                spec.otherwise = elseBranch(elseNode, f.path("else"), parentID: parentID, scope: scope)
                if spec.otherwise == nil { ok = false }
                continue
            }
            guard let c = branchCase(f, index: i, parentID: parentID, scope: scope) else { ok = false; continue }
            spec.cases.append(c)
        }
        if spec.cases.isEmpty && ok {
            sink.report(.missingKey, at: node.location, path: path, "a branch needs at least one {when: ..., then: ...} case")
            return nil
        }
        return ok ? spec : nil
    }

    private func branchCase(_ f: Fields, index: Int, parentID: String, scope: NodeScope) -> BranchCase? {
        let key = f.has("when") ? "when" : "elif"
        if f.has("when") && f.has("elif") {
            sink.report(.invalidValue, path: f.path("elif"), "a case has either 'when' or 'elif', not both")
        }
        guard let condNode = f[key] else { missing(f, "when", "the condition, e.g. when: \"inputs.n > 3\""); return nil }
        guard let thenNode = f["then"] else { missing(f, "then", "the node to run when the condition holds"); return nil }
        let condition = self.condition(condNode, f.path(key))
        let then = node(thenNode, f.path("then"), scope: scope.child(of: parentID), defaultID: "case-\(index)")
        guard let c = condition, let t = then else { return nil }
        return BranchCase(when: c, then: t)
    }

    private func elseBranch(_ node: SourceNode, _ path: String, parentID: String, scope: NodeScope) -> ElseBranch? {
        if case .mapping(let pairs, _) = node, pairs.count == 1, pairs[0].key.text == "fail" {
            return text(pairs[0].value, Self.join(path, "fail"), what: "the failure message").map(ElseBranch.fail)
        }
        return self.node(node, path, scope: scope.child(of: parentID), defaultID: "else").map(ElseBranch.node)
    }

    /// A `when:` condition; a boolean literal is allowed as a constant condition.
    func condition(_ node: SourceNode, _ path: String) -> Condition? {
        guard let s = node.scalar, s.plainValue != .null else {
            wrongShape(node, path, expected: "a condition such as \"inputs.n > 3\"")
            return nil
        }
        if case .bool(let b) = s.plainValue { return .value(.literal(.bool(b))) }
        do {
            return try ConditionParser.parse(s.text)
        } catch {
            let column = s.location.column + error.offset + (s.quoted ? 1 : 0)
            sink.report(.invalidCondition, at: Location(line: s.location.line, column: column), path: path,
                        "invalid condition: \(error.message)")
            return nil
        }
    }
}
