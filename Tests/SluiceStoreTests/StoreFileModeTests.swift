import Foundation
import SluiceStore
import Testing

/// Issue 13: the store holds inputs, flows and approval comments; its files are created owner-only.
@Suite struct StoreFileModeTests {
    @Test func aNewStoreIsOwnerOnlyAndAnOpenOneIsTightened() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-modes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store.open(directory: dir)
        _ = try store.schemaVersion()
        #expect(mode(dir) == 0o700)
        for suffix in ["", "-wal", "-shm"] { #expect(mode(store.path + suffix) == 0o600, "sluice.db\(suffix)") }
        store.close()
        // A store made by an older version, world-readable: the next open takes the bits off.
        chmod(dir + "/sluice.db", 0o644)
        let again = try Store.open(directory: dir)
        #expect(mode(again.path) == 0o600)
        again.close()
    }

    @Test func closingTheLastConnectionLeavesNoWriteAheadLog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for _ in 0..<3 {
            let store = try Store.open(directory: dir, options: StoreOptions(backgroundCheckpoint: true))
            _ = try store.createToken(name: "t-\(UUID().uuidString)", role: .viewer)
            store.close()
        }
        var info = stat()
        let size = stat(dir + "/sluice.db-wal", &info) == 0 ? Int(info.st_size) : 0
        #expect(size == 0, "the log keeps \(size) bytes after every connection closed")
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }
}
