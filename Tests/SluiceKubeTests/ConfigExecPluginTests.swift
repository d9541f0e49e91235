import Foundation
import Synchronization
import Testing
@testable import SluiceKube

/// Every plugin runs on a thread of its own (`blocking`): a process and its waits never hold a thread of
/// the cooperative pool.
@Suite struct ConfigExecPluginTests {
    let folder = ConfigFolder()
    let v1 = "client.authentication.k8s.io/v1"

    /// A plugin that counts its runs in `runs` and answers with token `tok-<run>` and `status` extras.
    func plugin(status: String = #","expirationTimestamp":"2030-01-01T00:00:00Z""#, apiVersion: String? = nil) -> String {
        folder.write("plugin.sh", """
            #!/bin/sh
            echo run >> "\(folder.path)/runs"
            n=$(wc -l < "\(folder.path)/runs" | tr -d ' ')
            printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"tok-%s"%s}}' "\(apiVersion ?? v1)" "$n" '\(status)'
            """, executable: true)
    }

    func credentials(_ command: String, args: [String] = [], now: ConfigTestDate = ConfigTestDate("2029-06-01T00:00:00Z"),
                     configure: (inout ExecCredentialSpec) -> Void = { _ in }) -> Credentials {
        var spec = ExecCredentialSpec(apiVersion: v1, command: command, args: args, interactiveMode: .never)
        configure(&spec)
        return Credentials.exec(spec, environment: ["PATH": "/usr/bin:/bin"], now: now.now)
    }

    /// The bearer token, the plugin run off the cooperative pool.
    func token(_ credentials: Credentials) async throws -> String? {
        try await blocking { try credentials.bearerToken() }
    }

    @Test func theTokenIsCachedUntilItExpires() async throws {
        let now = ConfigTestDate("2029-06-01T00:00:00Z")
        let credentials = credentials(plugin(), now: now)
        #expect(try await token(credentials) == "tok-1")
        #expect(try await token(credentials) == "tok-1")
        now.set("2030-01-01T00:00:00Z")
        #expect(try await token(credentials) == "tok-1", "still valid at the expiry instant itself")
        #expect(folder.lines("runs").count == 1)
        now.set("2030-01-01T00:00:01Z")
        #expect(try await token(credentials) == "tok-2")
        #expect(folder.lines("runs").count == 2)
    }

    @Test func invalidateRunsThePluginAgain() async throws {
        let credentials = credentials(plugin(status: ""))
        #expect(try await token(credentials) == "tok-1")
        #expect(try await token(credentials) == "tok-1", "without an expiry the token is kept")
        credentials.invalidate()
        #expect(try await token(credentials) == "tok-2")
        #expect(folder.lines("runs").count == 2)
    }

    @Test func thePluginGetsItsArgumentsEnvironmentAndExecInfo() async throws {
        let script = folder.write("env.sh", """
            #!/bin/sh
            printf '%s\\n' "$1" "$REGION" "$HOME_FROM_PARENT" "$KUBERNETES_EXEC_INFO" > "\(folder.path)/seen"
            echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'
            """, executable: true)
        let spec = ExecCredentialSpec(
            apiVersion: "client.authentication.k8s.io/v1beta1", command: script, args: ["--flag"],
            env: [.init(name: "REGION", value: "eu-west-1")], provideClusterInfo: true)
        let cluster = ExecClusterInfo(server: "https://k:6443", certificateAuthorityData: Array("CA".utf8), config: ["a": 1])
        let credentials = Credentials.exec(spec, clusterInfo: cluster, environment: ["HOME_FROM_PARENT": "kept"])
        #expect(try await token(credentials) == "t")
        let seen = folder.lines("seen")
        #expect(seen.count == 4)
        #expect(Array(seen.prefix(3)) == ["--flag", "eu-west-1", "kept"])
        #expect(seen.last == #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"cluster":{"server":"https://k:6443","certificate-authority-data":"Q0E=","config":{"a":1}},"interactive":false}}"#)
    }

    @Test func aKubeconfigExecUserRunsTheRelativePluginWithClusterInfo() async throws {
        folder.write("site/bin/plugin", """
            #!/bin/sh
            echo "$KUBERNETES_EXEC_INFO" > "\(folder.path)/info"
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'
            """, executable: true)
        let path = folder.write("site/config", sampleKubeconfig(
            cluster: "tls-server-name: api.internal\nextensions:\n- name: client.authentication.k8s.io/exec\n  extension: {audience: sluice, retries: 3}",
            user: "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: bin/plugin\n  interactiveMode: Never\n  provideClusterInfo: true"))
        let config = try ClusterConfig.load(kubeconfigPaths: [path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(try await token(config.credentials) == "from-plugin")
        #expect(folder.lines("info") == [#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"cluster":{"server":"https://k8s.example:6443","tls-server-name":"api.internal","config":{"audience":"sluice","retries":3}},"interactive":false}}"#])
    }

    @Test func aClientCertificateFromThePluginIsExposed() async throws {
        let credentials = credentials(plugin(status: #","clientCertificateData":"CERT","clientKeyData":"KEY""#))
        let pair = try #require(try await blocking { try credentials.clientCertificate() })
        #expect(pair.certificatePEM == Array("CERT".utf8))
        #expect(pair.keyPEM == Array("KEY".utf8))
        #expect(try await token(credentials) == "tok-1")
        #expect(folder.lines("runs").count == 1)
    }

    @Test func aMissingCommandSaysSoWithTheInstallHint() async throws {
        let credentials = credentials("sluice-no-such-plugin") { $0.installHint = "Install it with: brew install sluice-plugin" }
        let error = try #require(await configError(blocking: { _ = try credentials.bearerToken() }))
        #expect(error.kind == .credentials)
        #expect(error.message == "exec plugin \"sluice-no-such-plugin\" was not found on PATH; Install it with: brew install sluice-plugin")
    }

    @Test func aFailingPluginReportsItsExitCodeAndLastStderrLines() async throws {
        let script = folder.write("fail.sh", "#!/bin/sh\necho one >&2\necho two >&2\necho three >&2\necho 'token expired, run login' >&2\nexit 3\n", executable: true)
        let credentials = credentials(script)
        let error = try #require(await configError(blocking: { _ = try credentials.bearerToken() }))
        #expect(error.message == "exec plugin \"\(script)\" failed with exit code 3: two / three / token expired, run login")
    }

    @Test func badOutputIsReportedPrecisely() async throws {
        func failure(_ output: String) async throws -> String {
            let script = folder.write("out-\(UUID().uuidString).sh", "#!/bin/sh\nprintf '%s' '\(output)'\n", executable: true)
            let credentials = credentials(script)
            return try #require(await configError(blocking: { _ = try credentials.bearerToken() })).message
        }
        #expect(try await failure("not json").hasSuffix("wrote 8 bytes to stdout that are not a JSON ExecCredential object"))
        #expect(try await failure(#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#)
            .hasSuffix("is configured to use API version client.authentication.k8s.io/v1, but returned version client.authentication.k8s.io/v1beta1"))
        #expect(try await failure(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"Secret"}"#).hasSuffix("returned kind \"Secret\"; expected \"ExecCredential\""))
        #expect(try await failure(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}"#).hasSuffix("didn't return a status field"))
        #expect(try await failure(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#).hasSuffix("didn't return a token or cert/key pair"))
        #expect(try await failure(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","clientKeyData":"K"}}"#)
            .hasSuffix("returned only certificate or key, not both"))
        #expect(try await failure(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"tomorrow"}}"#)
            .contains("status.expirationTimestamp \"tomorrow\""))
    }

    @Test func aPluginThatHangsIsKilledAtItsTimeout() async throws {
        let script = folder.write("hang.sh", "#!/bin/sh\nsleep 3600\n", executable: true)
        let credentials = credentials(script) { $0.timeout = .milliseconds(200) }
        let error = try #require(await configError(blocking: { _ = try credentials.bearerToken() }))
        #expect(error.message == "exec plugin \"\(script)\" did not finish within 0.2 seconds and was killed")
    }

    @Test func outputBeyondTheBoundIsRefused() async throws {
        let script = folder.write("loud.sh", "#!/bin/sh\nhead -c 100000 /dev/zero\n", executable: true)
        let credentials = credentials(script) { $0.maxOutputBytes = 4096 }
        let error = try #require(await configError(blocking: { _ = try credentials.bearerToken() }))
        #expect(error.message.hasSuffix("wrote more than 4096 bytes to stdout and was killed"))
    }

    @Test func concurrentCallersWaitForOneRun() async throws {
        let credentials = credentials(plugin())
        let tokens = try await blocking {
            let tokens = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                let token = (try? credentials.bearerToken()) ?? "error"
                tokens.withLock { $0.append(token) }
            }
            return tokens.withLock { $0 }
        }
        #expect(tokens == Array(repeating: "tok-1", count: 8))
        #expect(folder.lines("runs").count == 1)
    }
}
