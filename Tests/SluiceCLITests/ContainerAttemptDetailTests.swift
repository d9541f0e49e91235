import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `sluice serve --backend container` and the API's attempt details: the attempt's container as the backend
/// recorded it (name, engine id, image), through `GET /api/v1/runs/{id}/nodes/{node}/attempts/{n}`.
@Suite(.serialized, .enabled(ContainerEngine.reason) { await ContainerEngine.enabled() })
struct ContainerAttemptDetailTests {
    @Test func theAPIShowsTheContainerOfAnAttempt() async throws { try await onOwnThread { try self.theAPIShowsTheContainerOfAnAttemptBody() } }

    func theAPIShowsTheContainerOfAnAttemptBody() throws {
        let ws = try Workspace()
        let server = try RemoteServer(ws, extra: ["--backend", "container"])
        defer { server.stop() }
        let file = try ws.write("boxed.yaml", """
            name: boxed
            tasks:
              t:
                image: busybox:1.36
                command: [sh, -c, "echo boxed; echo '{}' > $SLUICE_OUTPUTS"]
            nodes:
              - {id: t, task: t}
            """)
        let submitted = try ws.sluice(["submit", file, "--run-id", "box", "--server", server.url])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let token = try String(contentsOfFile: ws.store + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var detail: [String: Any] = [:]
        let ended = try ContainerEngine.eventually {
            detail = try Self.get(server.url + "/api/v1/runs/box/nodes/t/attempts/1", token: token)
            return detail["state"] as? String == "succeeded"
        }
        #expect(ended, "\(detail)")
        #expect(detail["backend"] as? String == "container")
        let container = try #require(detail["container"] as? [String: Any], "\(detail)")
        let name = try #require(container["name"] as? String)
        #expect(name.hasPrefix("sluice-") && name.hasSuffix("box-t-1"), "\(name)")
        let id = try #require(container["id"] as? String)
        #expect(id.count == 64 && id.allSatisfy(\.isHexDigit), "an engine's container id: \(id)")
        #expect((container["image"] as? String)?.contains("busybox:1.36") == true, "\(container)")
        #expect(detail["process"] == nil && detail["pod"] == nil && detail["events"] == nil, "\(detail)")
        let folder = try #require(detail["folder"] as? String)
        #expect(FileManager.default.fileExists(atPath: folder + "/container.json"), "the record is in the attempt folder: \(folder)")
    }

    /// GET `url` with the token in a header (never in a command line); the JSON object it answered.
    static func get(_ url: String, token: String) throws -> [String: Any] {
        mustNotBlockThePool("ContainerAttemptDetailTests.get")
        var request = URLRequest(url: URL(string: url)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let done = DispatchSemaphore(value: 0)
        let box = Reply()
        URLSession.shared.dataTask(with: request) { data, _, error in
            box.data = data
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error { throw error }
        return (try JSONSerialization.jsonObject(with: box.data ?? Data()) as? [String: Any]) ?? [:]
    }

    final class Reply: @unchecked Sendable {
        var data: Data?
        var error: Error?
    }
}
