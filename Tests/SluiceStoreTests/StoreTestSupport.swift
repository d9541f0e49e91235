import Foundation
import SluiceModel
import Testing
@testable import SluiceStore

/// A fresh folder per test, removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-store-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The store folder inside the scratch folder (as `sluice run` uses `./.sluice`).
    var storeDirectory: String { path + "/.sluice" }

    func openStore() throws -> Store { try Store.open(directory: storeDirectory) }
}

/// JSON bytes from a literal.
func json(_ text: String) -> Data { Data(text.utf8) }

/// A small queued run created at `created`.
func newRun(_ id: String, flow: String = "hello", created: Date = Date(), state: RunPhase = .queued) -> NewRun {
    NewRun(
        id: id, flow: flow, flowVersion: "1", state: state, labels: ["team": "ml"], created: created,
        compiledFlow: json(#"{"name":"\#(flow)","nodes":[]}"#), inputs: json(#"{"who":"world"}"#),
        header: json(#"{"phase":"new"}"#))
}

/// A date on a whole millisecond, so it survives the store's millisecond timestamps.
func millis(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
