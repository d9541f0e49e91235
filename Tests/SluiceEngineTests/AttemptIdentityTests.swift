import Foundation
import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct AttemptIdentityTests {
    /// The subworkflow flow of `SubworkflowTests`, with three tries instead of two.
    static let flow = SubworkflowTests.flow.replacingOccurrences(of: "retries: {attempts: 2}", with: "retries: {attempts: 3}")

    /// `sub/b` fails on its first two tries of the subflow and succeeds on the third.
    static func failTwiceThenSucceed(_ h: Harness) {
        var bTries = 0
        h.behavior = { spec in
            if spec.ref.purpose == .revert { return .exit(0) }
            if spec.ref.node == "sub/b" { bTries += 1; if bTries <= 2 { return .exit(1) } }
            return .exit(0, outputs: "{\"y\": 1}")
        }
    }

    @Test func subflowRetriesKeepCountingAttemptsSoEveryTryIsANewAttempt() throws {
        let h = try Harness(Self.flow)
        Self.failTwiceThenSucceed(h)
        h.settle()
        #expect(h.runPhase == .succeeded)
        #expect(h.node("sub")?.scopeTry == 3)
        let runs = h.started.filter { $0.ref.purpose == .run }
        #expect(runs.filter { $0.ref.node == "sub/b" }.map(\.ref.attempt) == [1, 2, 3])
        #expect(runs.filter { $0.ref.node == "sub/a" }.map(\.ref.attempt) == [1, 2, 3])
        #expect(Set(h.started.map(\.ref)).count == h.started.count, "attempt refs repeat")
        #expect(Set(h.started.map(\.name)).count == h.started.count, "attempt names repeat")
        #expect(h.started.contains { $0.name.hasPrefix("r1-sub-b-") && $0.name.hasSuffix("-3") })
    }

    @Test func revertsOfLaterTriesGetNewAttemptNumbersToo() throws {
        let h = try Harness(Self.flow)
        Self.failTwiceThenSucceed(h)
        h.settle()
        let reverts = h.started.filter { $0.ref.purpose == .revert && $0.ref.node == "sub/a" }.map(\.ref.attempt)
        #expect(reverts == [1, 2])
    }

    @Test func aRetryBudgetIsCountedPerTryOfTheSubflow() throws {
        let flow = Self.flow.replacingOccurrences(of: "- {id: b, task: t, inputs: {x: a.y}}",
                                                  with: "- {id: b, task: t, inputs: {x: a.y}, retries: {attempts: 2}}")
        let h = try Harness(flow)
        var bTries = 0
        h.behavior = { spec in
            if spec.ref.purpose == .revert { return .exit(0) }
            if spec.ref.node == "sub/b" { bTries += 1; if bTries <= 3 { return .exit(1) } }
            return .exit(0, outputs: "{\"y\": 1}")
        }
        for _ in 0..<20 where h.finished == nil { h.advanceToWake() }
        // Try 1: b fails twice (its budget of 2). Try 2: b fails once, then succeeds within its fresh budget.
        #expect(h.runPhase == .succeeded)
        #expect(h.node("sub")?.scopeTry == 2)
        #expect(h.started.filter { $0.ref.node == "sub/b" && $0.ref.purpose == .run }.map(\.ref.attempt) == [1, 2, 3, 4])
    }

    @Test func aReloadedStateContinuesTheAttemptNumbersOfEarlierTries() throws {
        let h = try Harness(Self.flow)
        var bTries = 0
        h.behavior = { spec in
            if spec.ref.purpose == .revert { return .exit(0) }
            if spec.ref.node == "sub/b" { bTries += 1; return bTries == 1 ? .exit(1) : .hang }
            return .exit(0, outputs: "{\"y\": 1}")
        }
        h.settle()
        #expect(h.node("sub/b")?.attempts.last?.number == 2)
        try h.reload()
        #expect(h.state.header.attemptsUsed?["sub/b"] == UsedAttempts(run: 1, revert: 1))
        h.step([.attemptExited(AttemptRef(node: "sub/b", attempt: 2), AttemptExit(exitCode: 1))])
        h.settle()
        #expect(h.node("sub")?.scopeTry == 3)
        #expect(h.started.last { $0.ref.node == "sub/b" }?.ref == AttemptRef(node: "sub/b", attempt: 3))
    }

    @Test func attemptNamesAreDNSLabelsUniqueEvenWhereSanitisingWouldMeet() {
        let refs = [AttemptRef(node: "sub/a", attempt: 1), AttemptRef(node: "sub-a", attempt: 1),
                    AttemptRef(node: "m[3]", attempt: 2), AttemptRef(node: "m-3", attempt: 2),
                    AttemptRef(node: "m[3]", attempt: 2, purpose: .revert), AttemptRef(node: "Upper/Case[10]", attempt: 7),
                    AttemptRef(node: String(repeating: "deep/", count: 20) + "leaf[123]", attempt: 12),
                    AttemptRef(node: String(repeating: "deep/", count: 20) + "leaf[124]", attempt: 12)]
        let names = refs.map { KubeName.attempt(runID: "hello-20250101-abcdef", $0) }
        for name in names { #expect(KubernetesName.dns1123LabelProblem(name) == nil, "\(name)") }
        #expect(Set(names).count == names.count)
        #expect(KubeName.attempt(runID: "r1", AttemptRef(node: "train", attempt: 3)) == "r1-train-3")
        #expect(names[0] == KubeName.attempt(runID: "hello-20250101-abcdef", refs[0]), "names are deterministic")
    }

    @Test func runIDsThatHadToBeRewrittenGetAHashSoTwoRunsNeverShareAPodName() {
        let ref = AttemptRef(node: "train", attempt: 1)
        let names = ["Nightly_1", "nightly-1", "nightly.1", String(repeating: "R", count: 100)].map { KubeName.attempt(runID: $0, ref) }
        for name in names { #expect(KubernetesName.dns1123LabelProblem(name) == nil, "\(name)") }
        #expect(Set(names).count == names.count, "\(names)")
        #expect(names[1] == "nightly-1-train-1", "a safe run id is used as it is")
    }

    @Test func labelValuesKeepValidIdsAndMakeOthersSafeAndDistinct() {
        #expect(KubeName.labelValue("Nightly_1.a") == "Nightly_1.a")
        let odd = ["sub/a", "sub-a/", "m[3]", String(repeating: "x", count: 64)].map(KubeName.labelValue)
        for v in odd { #expect(RunLabels.problem(key: "k", value: v) == nil, "\(v)") }
        #expect(Set(odd + ["sub-a"]).count == 5)
    }
}
