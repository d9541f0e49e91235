import Foundation
import SluiceStore
import XCTest

/// `sluice serve` and tokens: the admin token file on loopback, and listening beyond loopback.
final class AuthServeTests: XCTestCase {
    /// Starts `sluice serve` and returns it with its stderr up to the listening line (nil port if it exited).
    static func serve(_ store: String, listen: String) throws -> (Process, port: Int?, stderr: String) {
        let p = Process()
        p.executableURL = RestartTests.binary
        p.arguments = ["serve", "--store", store, "--listen", listen]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let data = err.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let r = text.range(of: #"listening on http://[^ ]*:(\d+)"#, options: .regularExpression) {
                return (p, Int(text[r].split(separator: ":").last ?? ""), text)
            }
        }
        p.waitUntilExit()
        return (p, nil, text)
    }

    static func stop(_ p: Process) {
        p.terminate()
        p.waitUntilExit()
    }

    func testTheFirstStartOnLoopbackWritesAnAdminTokenFileThatLaterStartsReuse() throws {
        let store = TestServer.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let file = store + "/admin.token"
        let (first, port, text) = try Self.serve(store, listen: "127.0.0.1:0")
        XCTAssertTrue(text.contains("wrote an admin token to \(file)"), text)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)
        let secret = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let client = LoopbackClient(port: try XCTUnwrap(port), token: secret)
        XCTAssertEqual(try client.get("/api/v1/runs").status, 200)
        XCTAssertEqual(try client.get("/api/v1/not-a-route").status, 404, "the file's token is an admin's")
        Self.stop(first)

        let (second, secondPort, secondText) = try Self.serve(store, listen: "127.0.0.1:0")
        defer { Self.stop(second) }
        XCTAssertFalse(secondText.contains("wrote an admin token"), secondText)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), secret)
        XCTAssertEqual(try LoopbackClient(port: try XCTUnwrap(secondPort), token: secret).get("/api/v1/runs").status, 200)
    }

    func testANonLoopbackAddressStartsOnceTheStoreHasATokenAndWritesNoFile() throws {
        let store = TestServer.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let secret = try Store.open(directory: store).createToken(name: "ops", role: .operator).secret
        let (p, port, text) = try Self.serve(store, listen: "0.0.0.0:0")
        defer { Self.stop(p) }
        let bound = try XCTUnwrap(port, text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store + "/admin.token"))
        XCTAssertEqual(try LoopbackClient(port: bound, token: secret).get("/api/v1/runs").status, 200)
        XCTAssertEqual(try LoopbackClient(port: bound).get("/api/v1/runs").status, 401)
    }
}
