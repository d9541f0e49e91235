import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// The client over real HTTPS on 127.0.0.1 against a TLS KubeSim, configured the way users configure
/// it: kubeconfig files, a service-account folder, or the kubeconfig KubeSim writes.
@Suite struct ClientTLSTests {
    /// A sim that knows one token, for the tests about trusting the server.
    static func alice(_ options: inout KubeSimOptions) { options.tokens = ["t-alice": "alice"] }

    // MARK: Trusting the server

    @Test func aClientTrustingTheGeneratedCAGetsThrough() async throws {
        try await withTLSSim(Self.alice) { f in
            _ = try await f.client(user: "token: t-alice").create(.pods, namespace: "default", podDocument("by-file"))
            let inline = "certificate-authority-data: \(TLSFixture.base64(ofFile: f.caPath))"
            _ = try await f.client(cluster: inline, user: "token: t-alice").create(.pods, namespace: "default", podDocument("by-data"))
            #expect(f.writers(of: "by-file") == ["alice"])
            #expect(f.writers(of: "by-data") == ["alice"])
        }
    }

    @Test func withoutTheCATheServerCertificateIsRefused() async throws {
        try await withTLSSim(Self.alice) { f in
            let client = try f.client(cluster: "", user: "token: t-alice")
            let error = await transportFailure { try await client.list(.pods, namespace: "default") }
            #expect(error?.kind == .tls)
            #expect(error?.code == 60)
            #expect(error?.message.contains("certificate") == true, "the message names the problem: \(error?.message ?? "")")
            #expect(error?.url.hasPrefix(f.sim.baseURL) == true)
        }
    }

    @Test func insecureSkipTLSVerifyConnectsWhenExplicitlySet() async throws {
        try await withTLSSim(Self.alice) { f in
            let client = try f.client(cluster: "insecure-skip-tls-verify: true", user: "token: t-alice")
            _ = try await client.create(.pods, namespace: "default", podDocument("unverified"))
            #expect(f.writers(of: "unverified") == ["alice"])
        }
    }

    @Test func tlsServerNameVerifiesTheCertificateForThatName() async throws {
        try await withTLSSim(Self.alice) { f in
            // The URL says 127.0.0.1; the certificate also names localhost.
            let client = try f.client(cluster: "\(f.trustedCA)\ntls-server-name: localhost", user: "token: t-alice")
            _ = try await client.create(.pods, namespace: "default", podDocument("by-name"))
            #expect(f.writers(of: "by-name") == ["alice"])

            let wrong = try f.client(cluster: "\(f.trustedCA)\ntls-server-name: api.wrong.example", user: "token: t-alice")
            let error = await transportFailure { try await wrong.list(.pods, namespace: "default") }
            #expect(error?.kind == .tls)
            #expect(error?.code == 60)
            #expect(error?.message.contains("api.wrong.example") == true, "the message names the host: \(error?.message ?? "")")
        }
    }

    // MARK: Client certificates

    @Test func aClientCertificateAuthenticatesAsItsUser() async throws {
        try await withTLSSim({ $0.clientCertUser = "ops" }) { f in
            let c = f.certificates
            let files = try f.client(user: "client-certificate: \(c.clientCertificate("ops"))\nclient-key: \(c.clientKey("ops"))")
            _ = try await files.create(.pods, namespace: "default", podDocument("by-files"))

            try c.issueClient(user: "dev", groups: ["developers"])
            let inline = "client-certificate-data: \(TLSFixture.base64(ofFile: c.clientCertificate("dev")))\n"
                + "client-key-data: \(TLSFixture.base64(ofFile: c.clientKey("dev")))"
            _ = try await f.client(user: inline).create(.pods, namespace: "default", podDocument("by-data"))

            #expect(f.writers(of: "by-files") == ["ops"])
            #expect(f.writers(of: "by-data") == ["dev"])
        }
    }

    @Test func aReadonlyUserMayListButCreateIsForbiddenWithTheServersMessage() async throws {
        try await withTLSSim({ $0.readonlyUsers = ["viewer"] }) { f in
            let c = f.certificates
            try c.issueClient(user: "viewer")
            let client = try f.client(user: "client-certificate: \(c.clientCertificate("viewer"))\nclient-key: \(c.clientKey("viewer"))")
            _ = try await client.list(.pods, namespace: "default")
            let error = await statusFailure { try await client.create(.pods, namespace: "default", podDocument("denied")) }
            #expect(error?.isForbidden == true)
            #expect(error?.statusError?.reason == "Forbidden")
            #expect(error?.statusError?.message == #"pods is forbidden: User "viewer" cannot create resource "pods" in API group "" in the namespace "default""#)
            #expect(f.writers(of: "denied").isEmpty)
        }
    }

    @Test func noCredentialsIsUnauthorized() async throws {
        try await withTLSSim { f in
            let client = try f.client(user: "{}")
            let error = await statusFailure { try await client.list(.pods, namespace: "default") }
            #expect(error?.isUnauthorized == true)
            #expect(error?.statusError?.message == "Unauthorized")
        }
    }

    // MARK: Bearer tokens

    @Test func aKubeconfigTokenAuthenticatesAndAWrongOneIsUnauthorized() async throws {
        try await withTLSSim(Self.alice) { f in
            _ = try await f.client(user: "token: t-alice").create(.pods, namespace: "default", podDocument("by-token"))
            #expect(f.writers(of: "by-token") == ["alice"])

            let wrong = try f.client(user: "token: t-mallory")
            let error = await statusFailure { try await wrong.create(.pods, namespace: "default", podDocument("intruder")) }
            #expect(error?.isUnauthorized == true)
            #expect(f.writers(of: "intruder").isEmpty)
        }
    }

    @Test func aKubeconfigTokenFileIsSentOverTheToken() async throws {
        try await withTLSSim({ $0.tokens = ["from-file": "bob"] }) { f in
            let file = f.folder.write("token", "from-file\n")
            let client = try f.client(user: "token: stale\ntokenFile: \(file)")
            _ = try await client.create(.pods, namespace: "default", podDocument("by-token-file"))
            #expect(f.writers(of: "by-token-file") == ["bob"])
        }
    }

    @Test func aRotatedTokenFileIsReadAgainAfterA401AndAfterTheInterval() async throws {
        try await withTLSSim({ $0.tokens = ["new": "bob", "newer": "carol"] }) { f in
            let clock = ManualClock()
            let file = f.folder.write("token", "old\n")
            let credentials = Credentials.tokenFile(file, refreshInterval: .seconds(60), clock: clock)
            let client = try TLSFixture.client(ClusterConfig(server: f.sim.baseURL, caPEM: f.caPEM, credentials: credentials))

            // The re-read after the 401 finds the same unknown token: the caller sees the 401.
            let stale = await statusFailure { try await client.list(.pods, namespace: "default") }
            #expect(stale?.isUnauthorized == true)

            // Rotated: the cached token is refused once, then the file is read again, within the interval.
            f.folder.write("token", "new\n")
            _ = try await client.create(.pods, namespace: "default", podDocument("after-401"))

            // Rotated while the cached token still works: it is kept until the interval has passed.
            f.folder.write("token", "newer\n")
            _ = try await client.create(.pods, namespace: "default", podDocument("cached"))
            clock.advance(by: .seconds(61))
            _ = try await client.create(.pods, namespace: "default", podDocument("after-interval"))

            #expect(f.writers(of: "after-401") == ["bob"])
            #expect(f.writers(of: "cached") == ["bob"])
            #expect(f.writers(of: "after-interval") == ["carol"])
        }
    }

    @Test func anExecPluginRunsOnceForManyRequests() async throws {
        try await withTLSSim({ $0.tokens = ["from-plugin": "erin"] }) { f in
            let plugin = f.folder.write("bin/credential", """
                #!/bin/sh
                echo run >> "\(f.folder.path)/runs"
                echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'
                """, executable: true)
            let client = try f.client(
                user: "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: \(plugin)\n  interactiveMode: Never")
            _ = try await client.create(.pods, namespace: "default", podDocument("by-plugin"))
            _ = try await client.get(.pods, namespace: "default", name: "by-plugin")
            _ = try await client.list(.pods, namespace: "default")
            #expect(f.writers(of: "by-plugin") == ["erin"])
            #expect(f.folder.lines("runs").count == 1)
        }
    }

    // MARK: In-cluster and KubeSim's own kubeconfig

    @Test func inClusterConfigUsesTheServiceAccountFolder() async throws {
        let account = "system:serviceaccount:team:runner"
        try await withTLSSim({ $0.tokens = ["sa-token": account] }) { f in
            f.folder.write("sa/token", "sa-token\n")
            f.folder.write("sa/ca.crt", String(decoding: f.caPEM, as: UTF8.self))
            f.folder.write("sa/namespace", "team")
            let environment = ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(f.sim.port)]
            let config = try ClusterConfig.inCluster(root: FilePath.join(f.folder.path, "sa"), environment: environment)
            let client = try TLSFixture.client(config)
            #expect(client.defaultNamespace == "team")

            let namespace: JSONObject = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]]
            _ = try await client.create(.namespaces, namespace: nil, namespace)
            _ = try await client.create(.pods, namespace: client.defaultNamespace, podDocument("job", namespace: "team"))
            _ = try await client.create(.pods, namespace: "default", podDocument("elsewhere"))
            let page = try await client.list(.pods, namespace: client.defaultNamespace)
            #expect(page.items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["job"])
            #expect(f.writers(of: "job") == [account])
        }
    }

    @Test func theKubeconfigKubeSimWritesLoadsAndWorks() async throws {
        try await withTLSSim({ options in
            options.clientCertUser = "ops"
            options.tokens = ["t-tina": "tina"]
            options.kubeconfigPath = options.certDirectory.map { FilePath.join($0, "kubeconfig") }
        }) { f in
            let written = try #require(f.sim.options.kubeconfigPath)
            let config = try ClusterConfig.load(kubeconfigPaths: [written], environment: [:])
            #expect(config.server == f.sim.baseURL)
            #expect(config.caPEM == f.caPEM)
            _ = try await TLSFixture.client(config).create(.pods, namespace: config.namespace, podDocument("by-cert"))

            let withToken = FilePath.join(f.folder.path, "kubesim-token.yaml")
            try f.sim.writeKubeconfig(to: withToken, token: "t-tina")
            let tokenConfig = try ClusterConfig.load(kubeconfigPaths: [withToken], environment: [:])
            _ = try await TLSFixture.client(tokenConfig).create(.pods, namespace: "default", podDocument("by-token"))

            #expect(f.writers(of: "by-cert") == ["ops"])
            #expect(f.writers(of: "by-token") == ["tina"])
        }
    }
}
