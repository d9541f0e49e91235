import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeSim
import SluiceKube
import SluiceModel
@testable import SluiceRuntime
import SluiceServer
import Testing

/// `sluice serve` with apps on Kubernetes, end to end over loopback: the server deploys an app to KubeSim, whose
/// kubelet runs the pod's command (a Python HTTP server on `$PORT`) as a process here, and the gateway reaches it
/// through `--app-upstream` (KubeSim's pod and Service addresses are not routable, so the upstream names the port
/// the pod's process listens on, as a port-forward would).
@Suite struct KubernetesAppGatewayTests {
    static let server = """
        import http.server, os
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("pod says " + self.path + " via " + self.headers.get("X-Forwarded-Prefix", "-")).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a):
                pass
        print("listening on", os.environ["PORT"], flush=True)
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
        """

    @Test func theGatewayReachesAnAppPodAndAnswers503AfterItStops() async throws {
        let fixture = try await KubeFixture.start()
        defer { Task { await fixture.stop() } }
        let port = try #require(LoopbackPort.free())
        var pod = KubePodSettings(namespace: fixture.namespace)
        pod.storeID = "gateway-test"
        var settings = KubernetesApps.Settings(pod: pod)
        settings.upstream = "http://127.0.0.1:{port}"
        let served = try await KubeAppServer.start(fixture, settings)
        let (server, serverPort) = (served.server, served.port)

        let spec = AppSpec(name: "hello", image: "python:3.12", command: ["python3", "-c", Self.server], port: port,
                           replicas: ReplicaPolicy(min: 1, max: 1), isPublic: true)
        _ = try await server.apps.deploy([spec])
        let healthy = try await eventually { try await server.apps.view("hello").state == "healthy" }
        #expect(healthy)

        func get(_ path: String) async throws -> (Int, String) {
            try await onThread {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(serverPort)\(path)")!)
                request.timeoutInterval = 10
                let box = Reply()
                let done = DispatchSemaphore(value: 0)
                URLSession.shared.dataTask(with: request) { data, response, _ in
                    box.value = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
                    done.signal()
                }.resume()
                done.wait()
                return box.value
            }
        }
        // The pod's process may still be binding its port when the pod reports ready (KubeSim runs no probes).
        var answer = (0, "")
        _ = try await eventually {
            answer = try await get("/apps/hello/greet?x=1")
            return answer.0 == 200
        }
        #expect(answer.0 == 200 && answer.1 == "pod says /greet?x=1 via /apps/hello", "\(answer)")

        // `apps logs hello --replica 0 -f`: the pod's log through the API, followed.
        guard case .remote(let log) = try await server.apps.replicaLog("hello", replica: 0) else {
            Issue.record("a pod's log is read from the cluster")
            return
        }
        var followed = ""
        for try await chunk in try await log.follow() {
            followed += String(decoding: chunk, as: UTF8.self)
            if followed.contains("\n") { break }
        }
        #expect(followed == "listening on \(port)\n", "\(followed)")

        _ = try await server.apps.setRunning("hello", false)
        let stopped = try await get("/apps/hello/greet")
        #expect(stopped.0 == 404 || stopped.0 == 503, "\(stopped)")

        await served.stop()
        await fixture.stop()
    }
}

private final class Reply: @unchecked Sendable {
    var value: (Int, String) = (0, "")
}
