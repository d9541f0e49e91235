import Foundation
import Testing
@testable import SluiceStore

@Suite struct LabelFilterTests {
    @Test func runsAreFilteredByEveryGivenLabel() throws {
        let dir = NSTemporaryDirectory() + "sluice-labels-\(UUID().uuidString)"
        let store = try Store.open(directory: dir)
        let runs: [(String, [String: String])] = [
            ("r1", ["team": "ml", "app.kubernetes.io/name": "x"]), ("r2", ["team": "ml"]), ("r3", ["team": "data"]), ("r4", [:]),
        ]
        for (i, (id, labels)) in runs.enumerated() {
            try store.createRun(NewRun(id: id, flow: "f", labels: labels, created: Date(timeIntervalSince1970: Double(i)),
                                       compiledFlow: Data("{}".utf8), inputs: Data("{}".utf8)))
        }
        #expect(try store.listRuns(labels: ["team": "ml"]).map(\.id) == ["r2", "r1"])
        #expect(try store.listRuns(labels: ["team": "ml", "app.kubernetes.io/name": "x"]).map(\.id) == ["r1"])
        #expect(try store.listRuns(labels: ["team": "nobody"]).isEmpty)
        #expect(try store.listRuns().count == 4)
    }
}
