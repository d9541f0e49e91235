import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Bearer tokens, read-only users, and TLS with client certificates.
struct AuthTests {
    @Test func tokensAuthenticateAndReadonlyUsersAreForbiddenToWrite() async throws {
        var http = try await SimHTTP.start { $0.tokens = ["admin-token": "admin", "view-token": "viewer"]; $0.readonlyUsers = ["viewer"] }
        let sim = http.sim
        defer { Task { await sim.stop() } }
        let anonymous = try await http.get("/api/v1/namespaces/default/pods")
        #expect(anonymous.status == 401 && anonymous.reason == "Unauthorized" && anonymous.message == "Unauthorized")
        http.headers = [(name: "Authorization", value: "Bearer wrong")]
        #expect(try await http.get("/api/v1/namespaces/default/pods").status == 401)
        http.headers = [(name: "Authorization", value: "Bearer view-token")]
        #expect(try await http.get("/api/v1/namespaces/default/pods").status == 200)
        let forbidden = try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p"))
        #expect(forbidden.status == 403 && forbidden.reason == "Forbidden")
        #expect(forbidden.message == "pods is forbidden: User \"viewer\" cannot create resource \"pods\" in API group \"\" in the namespace \"default\"")
        let cluster = try await http.delete("/apis/apps/v1/namespaces/default/deployments/x")
        #expect(cluster.message == "deployments.apps \"x\" is forbidden: User \"viewer\" cannot delete resource \"deployments\" in API group \"apps\" in the namespace \"default\"")
        let status = try await http.put("/api/v1/namespaces/default/pods/p/status", SimHTTP.pod("p"))
        #expect(status.message == "pods \"p\" is forbidden: User \"viewer\" cannot update resource \"pods/status\" in API group \"\" in the namespace \"default\"")
        let namespaces = try await http.post("/api/v1/namespaces", ["metadata": ["name": "x"]])
        #expect(namespaces.message == "namespaces is forbidden: User \"viewer\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope")
        http.headers = [(name: "Authorization", value: "Bearer admin-token")]
        #expect(try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p")).status == 201)
        let writes = try await http.get("/kubesim/writes").body["items"]?.arrayValue ?? []
        #expect(writes.last?["user"] == "admin")
    }

    @Test func tlsWithAClientCertificate() async throws {
        let http = try await SimHTTP.start { $0.tls = true; $0.clientCertUser = "alice"; $0.clientCertGroups = ["devs"] }
        defer { Task { await http.stop() } }
        #expect(http.sim.baseURL.hasPrefix("https://127.0.0.1:"))
        #expect(try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p")).status == 201)
        let writes = try await http.get("/kubesim/writes").body["items"]?.arrayValue ?? []
        #expect(writes.last?["user"] == "alice")
        let certs = try #require(http.sim.certificates)
        let caOnly = HTTPTransport(tls: TLSOptions(caPEM: Array(try Data(contentsOf: URL(fileURLWithPath: certs.caCertificate)))))
        let anonymous = try await caOnly.send(HTTPRequest(url: http.sim.baseURL + "/api/v1/pods"))
        #expect(anonymous.status == 401)
    }

    @Test func kubeconfigPointsAtTheServer() async throws {
        let path = NSTemporaryDirectory() + "kubesim-test-\(UInt32.random(in: 0...UInt32.max))/kubeconfig"
        let http = try await SimHTTP.start { $0.tls = true; $0.kubeconfigPath = path }
        defer { Task { await http.stop() } }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("server: \(http.sim.baseURL)"))
        #expect(text.contains("certificate-authority: \(http.sim.certificates!.caCertificate)"))
        #expect(text.contains("client-certificate: ") && text.contains("current-context: kubesim"))
    }
}
