import Foundation
import Testing
@testable import SluiceStore

@Suite struct TokenTests {
    @Test func aCreatedTokenAuthenticatesWithItsRole() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let (record, secret) = try store.createToken(name: "ci", role: .operator)
        #expect(secret.hasPrefix("slc_"))
        #expect(secret.count == 47)
        #expect(!secret.contains("=") && !secret.contains("+") && !secret.contains("/"))
        let found = try store.authenticate(secret: secret)
        #expect(found?.id == record.id)
        #expect(found?.name == "ci")
        #expect(found?.role == .operator)
        #expect(try store.tokens().map(\.id) == [record.id])
    }

    @Test func twoTokensNeverShareASecretOrAnID() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let a = try store.createToken(name: "a", role: .viewer)
        let b = try store.createToken(name: "b", role: .viewer)
        #expect(a.secret != b.secret)
        #expect(a.record.id != b.record.id)
    }

    @Test func wrongTruncatedAndOneByteOffSecretsFail() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let (_, secret) = try store.createToken(name: "ci", role: .admin)
        var bytes = Array(secret.utf8)
        bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let oneByteOff = String(decoding: bytes, as: UTF8.self)
        for wrong in ["", "slc_", "slc_nope", String(secret.dropLast()), secret + "x", oneByteOff, TokenSecret.digest(secret)] {
            #expect(try store.authenticate(secret: wrong) == nil, "\(wrong)")
        }
        #expect(try store.authenticate(secret: secret) != nil)
    }

    @Test func aRevokedTokenFailsAndFreesItsName() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let (record, secret) = try store.createToken(name: "ci", role: .operator)
        let revoked = try store.revokeToken(idOrName: "ci", now: millis(5_000))
        #expect(revoked?.id == record.id)
        #expect(revoked?.revoked == millis(5_000))
        #expect(try store.authenticate(secret: secret) == nil)
        #expect(try store.revokeToken(idOrName: "ci") == nil)
        #expect(try store.revokeToken(idOrName: record.id) == nil)

        let replacement = try store.createToken(name: "ci", role: .viewer)
        #expect(try store.revokeToken(idOrName: replacement.record.id)?.name == "ci")
        #expect(try store.tokens().map(\.isLive) == [false, false])
    }

    @Test func namesAreUniqueAmongLiveTokens() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        _ = try store.createToken(name: "ci", role: .operator)
        #expect(throws: StoreError.self) { try store.createToken(name: "ci", role: .viewer) }
        #expect(try store.tokens().count == 1)
    }

    /// Text is bound and read by its byte count: a NUL inside it is neither the end of it nor a collision.
    @Test func textWithANulByteIsStoredWhole() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        _ = try store.createToken(name: "a\u{0}b", role: .viewer)
        _ = try store.createToken(name: "a\u{0}c", role: .viewer)
        #expect(Set(try store.tokens().map(\.name)) == ["a\u{0}b", "a\u{0}c"])
    }

    @Test func theSecretIsNeverWrittenToTheFile() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        let (_, secret) = try store.createToken(name: "ci", role: .operator)
        _ = try store.authenticate(secret: secret)
        store.close()
        let needle = Data(secret.utf8), body = Data(secret.dropFirst(4).utf8)
        for file in ["sluice.db", "sluice.db-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: scratch.storeDirectory + "/" + file))) ?? Data()
            #expect(bytes.range(of: needle) == nil, "\(file)")
            #expect(bytes.range(of: body) == nil, "\(file)")
        }
        let db = try Data(contentsOf: URL(fileURLWithPath: scratch.storeDirectory + "/sluice.db"))
        #expect(db.range(of: Data(TokenSecret.digest(secret).utf8)) != nil)
    }

    @Test func lastUsedIsRecordedAtMostOnceAMinute() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let (_, secret) = try store.createToken(name: "ci", role: .viewer, now: millis(1_000))
        #expect(try store.tokens().first?.lastUsed == nil)
        _ = try store.authenticate(secret: secret, now: millis(10_000))
        _ = try store.authenticate(secret: secret, now: millis(40_000))
        #expect(try store.tokens().first?.lastUsed == millis(10_000))
        let later = try store.authenticate(secret: secret, now: millis(70_000))
        #expect(later?.lastUsed == millis(70_000))
        #expect(try store.tokens().first?.lastUsed == millis(70_000))
    }

    @Test func rolesAreOrdered() {
        #expect(TokenRole.admin.allows(.operator) && TokenRole.admin.allows(.viewer) && TokenRole.admin.allows(.admin))
        #expect(TokenRole.operator.allows(.viewer) && TokenRole.operator.allows(.operator))
        #expect(!TokenRole.operator.allows(.admin) && !TokenRole.viewer.allows(.operator))
        #expect(TokenRole.allCases.sorted() == [.viewer, .operator, .admin])
    }

    @Test func migrationThreeAppliesToAVersionTwoFile() throws {
        let scratch = ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.storeDirectory, withIntermediateDirectories: true)
        let path = scratch.storeDirectory + "/" + Store.fileName
        let old = try Connection(path: path, options: StoreOptions())
        try Migrator.migrate(old, migrations: Array(Migrator.all.prefix(2)))
        #expect(try Migrator.appliedVersion(old) == 2)
        old.close()

        let store = try scratch.openStore()
        defer { store.close() }
        #expect(try store.schemaVersion() == Migrator.latestVersion)
        let (_, secret) = try store.createToken(name: "ci", role: .operator)
        #expect(try store.authenticate(secret: secret)?.role == .operator)
    }
}

@Suite struct AdminTokenTests {
    @Test func theFirstStartWritesAnAdminTokenReadableByItsOwnerOnly() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let file = scratch.storeDirectory + "/admin.token"
        let secret = try #require(try store.ensureAdminToken(file: file))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == secret + "\n")
        #expect(modeBits(file) == 0o600)
        let record = try store.authenticate(secret: secret)
        #expect(record?.role == .admin)
        #expect(record?.name == "admin")

        #expect(try store.ensureAdminToken(file: file) == nil)
        #expect(try store.tokens().count == 1)
    }

    @Test func aRevokedAdminIsReplacedAndAnExistingFileIsNarrowedNeverWidened() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let file = scratch.storeDirectory + "/admin.token"
        let first = try #require(try store.ensureAdminToken(file: file))
        try store.revokeToken(idOrName: "admin")
        #expect(chmod(file, 0o644) == 0)
        let second = try #require(try store.ensureAdminToken(file: file))
        #expect(second != first)
        #expect(modeBits(file) == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == second + "\n")

        try store.revokeToken(idOrName: "admin")
        #expect(chmod(file, 0o200) == 0)  // narrower than 0600: kept as it is
        #expect(try store.ensureAdminToken(file: file) != nil)
        #expect(modeBits(file) == 0o200)
    }

    @Test func twoServersStartingTogetherCreateOneAdminToken() throws {
        let scratch = ScratchDirectory()
        let stores = try [scratch.openStore(), scratch.openStore()]
        defer { stores.forEach { $0.close() } }
        let file = scratch.storeDirectory + "/admin.token"
        let jobs: [@Sendable () throws -> String?] = stores.map { store in { try store.ensureAdminToken(file: file) } }
        let secrets = try OnThreads.run(jobs)
        let written = try #require(secrets.compactMap { $0 }.first)
        #expect(secrets.compactMap { $0 }.count == 1)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == written + "\n")
        #expect(try stores[0].tokens().count == 1)
    }

    @Test func aFileThatCannotBeWrittenCreatesNoToken() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let file = scratch.path + "/missing-folder/admin.token"
        #expect(throws: AdminTokenFileError.self) { try store.ensureAdminToken(file: file) }
        #expect(try store.tokens().isEmpty)
    }

    private func modeBits(_ path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }
}
