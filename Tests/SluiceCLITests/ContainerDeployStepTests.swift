import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `deploy: NAME` steps and `uses: [NAME]` under `sluice serve --backend container`: the app's replica is a container,
/// and a task container that uses it reaches it through the server's listener on the engine's bridge network.
@Suite(.serialized, .enabled(ContainerEngine.reason) { await ContainerEngine.enabled() })
struct ContainerDeployStepTests {
    /// Answers every GET with the path it saw and the gateway's `X-Forwarded-Prefix`, as JSON.
    static let echo = """
        import http.server, json, os
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"path": self.path, "prefix": self.headers.get("X-Forwarded-Prefix", "")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
        """

    /// Fetches the app through `$SLUICE_APP_ECHO_URL`; outputs its answer, that URL and the container's interfaces.
    static let ask = """
        import json, os, urllib.request
        url = os.environ["SLUICE_APP_ECHO_URL"]
        answer = json.load(urllib.request.urlopen(url + "/hello?x=1", timeout=60))
        out = {"answer": answer, "url": url, "interfaces": sorted(os.listdir("/sys/class/net"))}
        json.dump(out, open(os.environ["SLUICE_OUTPUTS"], "w"))
        """

    /// Tries the URL it is given as an input without using the app; outputs what happened and its interfaces.
    static let lonely = """
        import json, os, urllib.request
        url = json.load(open(os.environ["SLUICE_INPUTS"]))["url"]
        try:
            urllib.request.urlopen(url + "/hello", timeout=10)
            reached = "yes"
        except Exception as e:
            reached = "no: %s" % e
        out = {"reached": reached, "var": os.environ.get("SLUICE_APP_ECHO_URL", ""), "interfaces": sorted(os.listdir("/sys/class/net"))}
        json.dump(out, open(os.environ["SLUICE_OUTPUTS"], "w"))
        """

    static func indented(_ text: String, _ spaces: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: spaces) + $0 }.joined(separator: "\n")
    }

    static func app(name: String, public isPublic: Bool) -> String {
        """
          - name: \(name)
            image: python:3.11-slim
            command:
              - python3
              - -u
              - -c
              - |
        \(indented(echo, 8))
            port: 8080
            public: \(isPublic)
            startup_grace: 120s
            health: {path: /healthz, interval: 100ms, timeout: 2s, failures: 3}
        """
    }

    static let flow = """
        name: ship
        outputs: {url: up.url, asked: ask.answer, seen: ask.url, inside: ask.interfaces, alone: lonely.reached, var: lonely.var, without: lonely.interfaces}
        tasks:
          ask:
            image: python:3.11-slim
            uses: [echo]
            outputs: {answer: json, url: string, interfaces: list<string>}
            command:
              - python3
              - -c
              - |
        \(indented(ask, 8))
          lonely:
            image: python:3.11-slim
            inputs: {url: string}
            outputs: {reached: string, var: string, interfaces: list<string>}
            command:
              - python3
              - -c
              - |
        \(indented(lonely, 8))
        steps:
          - {name: Deploy, id: up, deploy: echo}
          - {name: Ask, id: ask, task: ask}
          - {name: Alone, id: lonely, task: lonely, inputs: {url: ask.url}}
        apps:
        \(app(name: "echo", public: true))
        """

    @Test func aDeployedContainerAppIsReachedFromATaskContainerThatUsesItThroughTheGatewayAndOnlyThere() async throws {
        try await onOwnThread { try self.body() }
    }

    func body() throws {
        let ws = try Workspace()
        let server = try RemoteServer(ws, extra: ["--backend", "container"])
        defer { server.stop() }
        let file = try ws.write("ship.yaml", Self.flow)
        let out = try ws.sluice(["submit", file, "--wait", "-o", "json", "--server", server.url])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let outputs = DeployStepTests.json(out.stdout)["outputs"] as? [String: Any] ?? [:]
        // The deploy step's URL is the server's own (for clients on this host) ...
        #expect(outputs["url"] as? String == "\(server.url)/apps/echo", "\(out.stdout)")
        // ... the task container's is the server's address on the bridge network, and the app answered through the gateway.
        let seen = try #require(outputs["seen"] as? String, "\(out.stdout)")
        #expect(seen.range(of: #"^http://\d+\.\d+\.\d+\.\d+:\d+/apps/echo$"#, options: .regularExpression) != nil, "\(seen)")
        #expect(!seen.hasPrefix("http://127."), "\(seen)")
        let asked = outputs["asked"] as? [String: Any] ?? [:]
        #expect(asked["path"] as? String == "/hello?x=1" && asked["prefix"] as? String == "/apps/echo", "\(out.stdout)")
        #expect((outputs["inside"] as? [String] ?? []).count > 1, "a task that uses an app has a network: \(out.stdout)")
        // A task without `uses:` still runs with no network: only loopback, no URL, and the gateway out of reach.
        #expect(outputs["without"] as? [String] == ["lo"], "\(out.stdout)")
        #expect(outputs["var"] as? String == "", "\(out.stdout)")
        #expect((outputs["alone"] as? String ?? "").hasPrefix("no: "), "\(out.stdout)")

        // The listener on the bridge serves the gateway of public apps, and nothing else: no API, even with a token ...
        let base = String(seen.dropLast("/apps/echo".count))
        let token = try String(contentsOfFile: ws.store + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let app = try Self.get(base + "/apps/echo/again")
        #expect(app.status == 200 && app.body.contains("\"/again\""), "\(app)")
        let api = try Self.get(base + "/api/v1/runs", token: token)
        #expect(api.status == 404 && api.body.contains("serves only /apps/NAME/"), "\(api)")
        #expect(try Self.get(server.url + "/api/v1/runs", token: token).status == 200)
        // ... and no private app, whatever the token.
        let apps = try ws.write("private.yaml", "apps:\n" + Self.app(name: "hidden", public: false))
        let deployed = try ws.sluice(["apps", "deploy", apps, "--server", server.url])
        #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
        let hidden = try Self.get(base + "/apps/hidden/x", token: token)
        #expect(hidden.status == 403 && hidden.body.contains("not-public"), "\(hidden)")
    }

    @Test func aPrivateAppInUsesIsStillRefusedAtSubmit() async throws {
        try await onOwnThread { try self.privateBody() }
    }

    func privateBody() throws {
        let ws = try Workspace()
        let server = try RemoteServer(ws, extra: ["--backend", "container"])
        defer { server.stop() }
        let file = try ws.write("ship.yaml", Self.flow.replacingOccurrences(of: "    public: true", with: "    public: false"))
        let out = try ws.sluice(["submit", file, "--server", server.url])
        #expect(out.status != 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("ship.yaml:6:12: tasks.ask.uses[0]") && out.stderr.contains("app 'echo' is not public"), "\(out.stderr)")
    }

    struct Reply: CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "\(status) \(body)" }
    }

    /// GET `url` (the token in a header, never in a command line).
    static func get(_ url: String, token: String? = nil) throws -> Reply {
        mustNotBlockThePool("ContainerDeployStepTests.get")
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 120)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.reply = Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data ?? Data(), as: UTF8.self))
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error { throw error }
        return box.reply
    }

    final class Box: @unchecked Sendable {
        var reply = Reply(status: 0, body: "")
        var error: Error?
    }
}
