import Foundation
import SluiceEngine
import SluicePlugin

/// The durable record of in-controller plugin attempts: `plugin.json` in the attempt's folder
/// (`<root>/<run>/<node>/<attempt>/`, where every backend keeps its attempts, so deleting a run removes it too).
///
/// It is written before the attempt's effect begins (`started`) and again when the attempt ends (its outcome),
/// each time through a temporary file and a rename. After a controller restart, a record with an outcome is
/// reported as it ended; a record without one is an attempt the dead controller was running, which may or may not
/// have had its effect, and `RepeatSafety` decides what becomes of it.
struct PluginJournal: Sendable {
    /// One attempt's record.
    struct Entry: Codable, Sendable {
        var runID: String
        var ref: AttemptRef
        var type: String
        var safety: RepeatSafety
        /// How it ended; nil while it runs (or when the controller running it died).
        var outcome: Observation?
    }

    let root: String

    func file(runID: String, ref: AttemptRef) -> String {
        AttemptFolder(root: root, runID: runID, ref: ref).path + "/plugin.json"
    }

    func read(runID: String, ref: AttemptRef) -> Entry? {
        Self.decode(file(runID: runID, ref: ref))
    }

    /// Writes `entry`, making the attempt's folder if needed.
    func write(_ entry: Entry) throws(FileIOError) {
        let folder = AttemptFolder(root: root, runID: entry.runID, ref: entry.ref).path
        try FileIO.makeDirectories(folder)
        let data: Data
        do { data = try JSONEncoder().encode(entry) } catch {
            throw FileIOError(path: folder, reason: "cannot encode the plugin attempt's record: \(error)")
        }
        try FileIO.writeAtomically(folder + "/plugin.json", String(decoding: data, as: UTF8.self))
    }

    /// Every record of run `runID`.
    func entries(runID: String) -> [Entry] {
        let runFolder = AttemptFolder.runFolder(root: root, runID: runID)
        var out: [Entry] = []
        for node in FileIO.entries(runFolder).sorted() {
            for leaf in FileIO.entries(runFolder + "/" + node).sorted() {
                if let e = Self.decode(runFolder + "/" + node + "/" + leaf + "/plugin.json"), e.runID == runID { out.append(e) }
            }
        }
        return out
    }

    private static func decode(_ path: String) -> Entry? {
        guard let bytes = try? FileIO.read(path, limit: 16 * 1024 * 1024) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: Data(bytes))
    }

    /// What becomes of an attempt that was running when its controller stopped: one whose effect is safe to repeat
    /// is lost (it runs again, from the system budget); any other fails as interrupted, charged to the task's
    /// retries, so a non-idempotent effect is repeated only when the task asked for retries.
    static func interrupted(_ e: Entry) -> Observation {
        if e.safety.isSafe {
            return .attemptLost(e.ref, reason: "interrupted: the controller stopped while this \(e.type) task's attempt ran; "
                                + "\(e.safety.effect) is safe to repeat, so it runs again")
        }
        let message = "interrupted: the controller stopped while this \(e.type) task's attempt ran (\(e.safety.effect)); "
            + "it may or may not have taken effect, so it is not repeated on its own: the task's retries decide whether another attempt runs"
        return .attemptExited(e.ref, AttemptExit(exitCode: nil, detail: message, userFailure: message))
    }
}
