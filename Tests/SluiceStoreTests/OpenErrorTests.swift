import Foundation
import Testing
@testable import SluiceStore

@Suite struct OpenErrorTests {
    @Test func aFileThatIsNotADatabaseGivesAClearErrorAndStaysUntouched() throws {
        let scratch = ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.storeDirectory, withIntermediateDirectories: true)
        let file = scratch.storeDirectory + "/sluice.db"
        let content = Data(String(repeating: "these are my notes, not a database\n", count: 200).utf8)
        try content.write(to: URL(fileURLWithPath: file))

        let error = #expect(throws: StoreError.self) { try scratch.openStore() }
        #expect(error == .notADatabase(path: file))
        #expect(error?.description == "\(file) is not an SQLite database; it was left as it is")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == content)
        #expect(!FileManager.default.fileExists(atPath: file + "-wal"))
    }

    @Test func aDamagedDatabaseIsReportedAndLeftAsItIs() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try store.createRun(newRun("r1"))
        store.close()
        let file = scratch.storeDirectory + "/sluice.db"
        // Overwrite everything after the 100-byte header: pages are garbage now.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        for index in 100..<bytes.count { bytes[index] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: file))

        let error = #expect(throws: StoreError.self) { try scratch.openStore() }
        switch error {
        case .corrupt(let path, _)?, .notADatabase(let path)?: #expect(path == file)
        default: Issue.record("expected corrupt or not-a-database, got \(String(describing: error))")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == bytes)
    }

    @Test func aFolderWhereTheFileShouldBeIsNamedInTheError() throws {
        let scratch = ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.storeDirectory + "/sluice.db", withIntermediateDirectories: true)
        let error = #expect(throws: StoreError.self) { try scratch.openStore() }
        #expect(error?.description.contains(scratch.storeDirectory + "/sluice.db") == true)
    }

    @Test func aFileWhereTheFolderShouldBeIsNamedInTheError() throws {
        let scratch = ScratchDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.storeDirectory))
        let error = #expect(throws: StoreError.self) { try scratch.openStore() }
        guard case .cannotCreateDirectory(let path, _)? = error else {
            Issue.record("expected cannotCreateDirectory, got \(String(describing: error))")
            return
        }
        #expect(path == scratch.storeDirectory)
    }

    @Test func errorsRenderToOneSentenceNamingTheRunAndFile() {
        let error = StoreError.noRun(runID: "abc", path: "/x/.sluice/sluice.db")
        #expect(error.description == "no run 'abc' in /x/.sluice/sluice.db")
        #expect(error.code == "no-run")
        #expect(error.localizedDescription == error.description)
    }
}
