import Foundation
import Testing
@testable import SluiceStore

@Suite struct MigrationTests {
    @Test func openCreatesTheFolderAndAppliesEveryMigrationOnce() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        #expect(FileManager.default.fileExists(atPath: scratch.storeDirectory + "/sluice.db"))
        #expect(try store.schemaVersion() == Migrator.latestVersion)
        store.close()

        // Reopening applies nothing again and keeps the data.
        let first = try scratch.openStore()
        try first.createRun(newRun("r1"))
        first.close()
        let again = try scratch.openStore()
        defer { again.close() }
        #expect(try again.schemaVersion() == Migrator.latestVersion)
        #expect(try again.runSummary("r1")?.flow == "hello")
        let rows = try again.withConnection { connection throws(StoreError) in
            try connection.query("SELECT version FROM schema_migrations", []) { $0.int64(0) }
        }
        #expect(rows == Migrator.all.map { Int64($0.version) })
    }

    @Test func openUsesWALWithForeignKeysAndTheChosenDurability() throws {
        let scratch = ScratchDirectory()
        let store = try Store.open(directory: scratch.storeDirectory, options: StoreOptions(synchronous: .full))
        defer { store.close() }
        let settings = try store.withConnection { connection throws(StoreError) in
            (try connection.queryOne("PRAGMA journal_mode", []) { $0.text(0) },
             try connection.queryOne("PRAGMA foreign_keys", []) { $0.int64(0) },
             try connection.queryOne("PRAGMA synchronous", []) { $0.int64(0) })
        }
        #expect(settings.0 == "wal")
        #expect(settings.1 == 1)
        #expect(settings.2 == 2)  // FULL
    }

    @Test func aFileFromANewerSluiceIsRefused() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        _ = try store.withConnection { connection throws(StoreError) in
            try connection.run("INSERT INTO schema_migrations(version, name, applied) VALUES (999, 'future', 0)", [])
        }
        store.close()
        #expect(throws: StoreError.schemaTooNew(path: scratch.storeDirectory + "/sluice.db", found: 999, supported: Migrator.latestVersion)) {
            try scratch.openStore()
        }
    }

    @Test func aClosedStoreSaysSo() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        store.close()
        let error = #expect(throws: StoreError.self) { try store.runSummary("x") }
        #expect(error?.description == "the store \(scratch.storeDirectory)/sluice.db is closed")
    }
}
