import Foundation
import XCTest

/// Issue 13: an operator who may only choose inputs could run anything through `{{inputs.x}}` in `sh -c` or
/// `python -c` text. With the `shell` and `json` filters the value stays data.
final class InjectionTests: XCTestCase {
    func testAHostileInputStaysDataInShellAndPythonSource() throws {
        let server = try TestServer()
        defer { server.stop() }
        let marker = NSTemporaryDirectory() + "sluice-pwned-\(UUID().uuidString)"
        defer { unlink(marker) }
        let flow = """
            name: quoted
            inputs: {who: {type: string}}
            outputs: {sh: viash.message, py: viapy.message}
            tasks:
              viash:
                command: [sh, -c, "printf '%s' {{inputs.who | shell}} > /dev/null; printf '{\\"message\\": \\"ok\\"}' > $SLUICE_OUTPUTS"]
                inputs: {who: string}
                outputs: {message: string}
              viapy:
                command: [python3, -c, "import json,os; json.dump({'message': 'hi ' + {{inputs.who | json}}}, open(os.environ['SLUICE_OUTPUTS'],'w'))"]
                inputs: {who: string}
                outputs: {message: string}
            nodes:
              - {id: viash, task: viash, inputs: {who: inputs.who}}
              - {id: viapy, task: viapy, inputs: {who: inputs.who}}
            """
        let hostile = "x'; touch \(marker); echo '\" + __import__('os').system('touch \(marker)') + \""
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "q", "inputs": ["who": hostile]]).status, 201)
        let tree = try server.waitForRun("q", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        XCTAssertEqual((tree["outputs"] as? [String: String])?["py"], "hi " + hostile)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the input ran as code")
    }

    func testTheAPIReturnsTheCompilersWarningsWithTheSubmittedRun() throws {
        let server = try TestServer()
        defer { server.stop() }
        let flow = """
            name: loose
            inputs: {who: {type: string, default: a}}
            tasks:
              t:
                command: [sh, -c, "echo {{inputs.who}}"]
                inputs: {who: string}
            nodes:
              - {id: t, task: t, inputs: {who: inputs.who}}
            """
        let r = try server.client.post("/api/v1/runs", json: ["flow": flow])
        XCTAssertEqual(r.status, 201, r.text)
        let warnings = r.json["warnings"] as? [String] ?? []
        XCTAssertEqual(warnings.count, 1, r.text)
        XCTAssertTrue(warnings.first?.contains("tasks.t.command[2]") == true, r.text)
    }
}
