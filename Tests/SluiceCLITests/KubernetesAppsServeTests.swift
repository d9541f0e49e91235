import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sluice apps ...` against `sluice serve --backend kubernetes` on a `kubesim` process: the app becomes a
/// Deployment and a Service, KubeSim's kubelet runs its pod's command (the echo app on `$PORT`) here, and the
/// gateway reaches it through `--app-upstream` (KubeSim's Service addresses are not routable; the upstream names
/// the port the pod's process listens on, as a port-forward would).
@Suite struct KubernetesAppsServeTests {
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func appOptionsOfServeAreCheckedBeforeAnythingStarts() async throws {
        try await offPool {
            let ws = try Workspace()
            let cases: [([String], String)] = [
                (["--app-upstream", "http://127.0.0.1:{port}"], "--app-upstream goes with --backend kubernetes"),
                (["--backend", "kubernetes", "--app-upstream", "ftp://{name}:21"], "expected an http://HOST:PORT URL"),
                (["--backend", "kubernetes", "--app-ingress-class", "nginx"], "give --app-ingress-host too"),
                (["--backend", "kubernetes", "--app-ingress-host", "Apps_Example.com"], "expected a DNS name"),
            ]
            for (args, words) in cases {
                let out = try ws.sluice(["serve", "--listen", "127.0.0.1:0"] + args)
                #expect(out.status == 2 && out.stderr.contains(words), "\(args): \(out.status) \(out.stderr)")
            }
        }
    }

    @Test func appsDeployOnAKubernetesServerMakesADeploymentThatTheGatewayReaches() async throws {
        try await offPool { try Self.deployAndReach() }
    }

    /// Only the leader wakes an app at zero: a single server on KubeSim leads, so its gateway's first request sets
    /// the Deployment to one replica and is answered by the pod's process.
    @Test func anAppThatScalesToZeroOnAKubernetesServerWakesOnItsFirstRequest() async throws {
        try await offPool {
            let ws = try Workspace()
            let sim = try KubeSimProcess(ws)
            defer { sim.stop() }
            let (server, deployed) = try Self.serveAndDeploy(ws, sim, app: "lazy", port: Self.freePort(), extra: "replicas: {min: 0, max: 1}")
            defer { server.stop() }
            #expect(deployed.status == 0, "\(deployed.stderr)")
            let idle = try ws.sluice(["apps", "status", "lazy", "--server", server.url]).stdout
            #expect(idle.contains("app lazy: idle"), "\(idle)")

            let body = Self.reach(server, "lazy")
            #expect(body.contains("\"path\": \"/hello\""), "\(body)")
            let writes = try Self.writes(sim)
            #expect(writes.filter { $0 == "patch deployments.apps/lazy" }.count == 1, "\(writes)")
            let status = try ws.sluice(["apps", "status", "lazy", "--server", server.url]).stdout
            #expect(status.contains("app lazy: healthy, 1/1 healthy"), "\(status)")
        }
    }

    /// `sluice serve --backend kubernetes` on `sim` (its gateway reaching pods' processes on loopback), and `sluice apps
    /// deploy` of one echo app listening on `port` (`extra`: one more key of the app).
    static func serveAndDeploy(_ ws: Workspace, _ sim: KubeSimProcess, app: String, port: Int,
                               extra: String? = nil) throws -> (RemoteServer, CLI.Output) {
        let file = try ws.write("apps.yaml", """
            apps:
              - name: \(app)
                image: python:3.12
                command: [python3, -u, "\(AppsCommandTests.fixture)"]
                port: \(port)
                public: true
            """ + (extra.map { "\n    \($0)\n" } ?? ""))
        let server = try RemoteServer(ws, extra: ["--backend", "kubernetes", "--kubeconfig", sim.kubeconfig,
                                                  "--app-upstream", "http://127.0.0.1:{port}"])
        return (server, try ws.sluice(["apps", "deploy", file, "--server", server.url]))
    }

    /// KubeSim's write log, one "VERB RESOURCE/NAME" each.
    static func writes(_ sim: KubeSimProcess) throws -> [String] {
        let writes = try Data(contentsOf: URL(string: sim.url + "/kubesim/writes")!)
        let rows = (try JSONSerialization.jsonObject(with: writes) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return rows.map { "\($0["verb"] ?? "") \($0["resource"] ?? "")/\($0["name"] ?? "")" }
    }

    /// The body of `GET /apps/APP/hello` once the echo app answers it ("" when it never did within 2 minutes: the
    /// pod's process may still be binding its port when its pod turns ready, as KubeSim runs no probes).
    static func reach(_ server: RemoteServer, _ app: String) -> String {
        var body = ""
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            body = (try? String(contentsOf: URL(string: server.url + "/apps/\(app)/hello")!, encoding: .utf8)) ?? ""
            if body.contains("\"path\": \"/hello\"") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return body
    }

    static func deployAndReach() throws {
        let ws = try Workspace()
        let sim = try KubeSimProcess(ws)
        defer { sim.stop() }
        let port = freePort()
        let (server, deployed) = try serveAndDeploy(ws, sim, app: "echo", port: port)
        defer { server.stop() }
        #expect(deployed.status == 0, "\(deployed.stderr)")
        let created = Set(try writes(sim).filter { $0.hasPrefix("create ") }.map { String($0.dropFirst("create ".count)) })
        #expect(created.isSuperset(of: ["configmaps/sluice-app-echo", "deployments.apps/echo", "services/echo"]), "\(created)")

        let body = reach(server, "echo")
        let status = try ws.sluice(["apps", "status", "echo", "--server", server.url]).stdout
        #expect(body.contains("\"path\": \"/hello\""), "\(body)\n\(status)")
        #expect(status.contains("app echo: healthy, 1/1 healthy") && status.contains("POD"), "\(status)")

        // The pod's log through the API (pods/log of replica 0); a replica the app does not have is 404.
        let logs = try ws.sluice(["apps", "logs", "echo", "--replica", "0", "--server", server.url])
        #expect(logs.status == 0 && logs.stdout.contains("listening on \(port)"), "\(logs.stdout)\(logs.stderr)")
        let none = try ws.sluice(["apps", "logs", "echo", "--replica", "3", "--server", server.url])
        #expect(none.status != 0 && none.stderr.contains("no replica 3"), "\(none.stderr)")

        let deleted = try ws.sluice(["apps", "delete", "echo", "--server", server.url])
        #expect(deleted.status == 0, "\(deleted.stderr)")
    }
}
