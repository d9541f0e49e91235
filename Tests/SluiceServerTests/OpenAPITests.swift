import Foundation
@testable import SluiceServer
import XCTest

/// The served OpenAPI document: the file in docs/api, listing every route the server has, and valid OpenAPI 3.1.
final class OpenAPITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let document = root.appendingPathComponent("docs/api/openapi.yaml").path

    func testTheServedDocumentIsTheOneInDocsAndNeedsNoToken() throws {
        let server = try TestServer()
        defer { server.stop() }
        let reply = try LoopbackClient(port: server.port).get("/api/openapi.yaml")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["content-type"], "application/yaml; charset=utf-8")
        XCTAssertEqual(reply.text, try String(contentsOfFile: Self.document, encoding: .utf8),
                       "the embedded document is stale: run scripts/embed-openapi.sh")
    }

    func testEveryRouteIsDescribed() throws {
        let text = try String(contentsOfFile: Self.document, encoding: .utf8)
        for rule in RouteRoles.table {
            let path = "/" + rule.segments.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            guard let at = text.range(of: "\n  \(path):\n") else { XCTFail("\(path) is not in the document"); continue }
            let block = String(text[at.upperBound...]).components(separatedBy: "\n  /").first ?? ""
            XCTAssertTrue(block.contains("    \(rule.method.rawValue.lowercased()):"), "\(rule.method) \(path) is not in the document")
        }
    }

    /// Validates the served document with `openapi-spec-validator` from `.venv-ci` (scripts/schemathesis.sh installs it).
    func testTheServedDocumentIsValidOpenAPI() throws {
        let validator = Self.root.appendingPathComponent(".venv-ci/bin/openapi-spec-validator").path
        guard FileManager.default.isExecutableFile(atPath: validator) else {
            throw XCTSkip("no \(validator): run scripts/schemathesis.sh once to create the venv")
        }
        let server = try TestServer()
        defer { server.stop() }
        let served = try LoopbackClient(port: server.port).get("/api/openapi.yaml").body
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).yaml")
        try served.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: validator)
        process.arguments = [file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
    }
}
