import Foundation
import KubeSim
import SluiceCompiler
import SluiceEngine
import SluiceKube
import SluiceModel
import SluicePlugin
import SluiceRuntime
import Testing

/// On the kubernetes backend, in-controller plugin tasks read their secrets from Kubernetes Secrets (KubeSim here),
/// fetched before the plugin runs, as the pods of the same flow would.
@Suite struct PluginKubeSecretTests {
    static let flow = """
        name: hook
        inputs: {api: string}
        outputs: {auth: call.auth}
        tasks:
          call:
            type: http
            inputs: {api: string}
            outputs: {auth: string}
            config:
              url: "{{inputs.api}}/auth"
              headers: {Authorization: {secret: SECRET, key: token, prefix: "Bearer "}}
        nodes:
          - {id: call, task: call, inputs: {api: inputs.api}}
        """

    /// KubeSim with Secret `api-token` (key `token`), and a controller whose plugin tasks read Secrets from it.
    final class Fixture: Sendable {
        let sim: KubeSimServer
        let client: KubeClient
        let kube: KubernetesBackend
        let controller: Controller

        init(faults: [FaultRule] = []) async throws {
            var options = KubeSimOptions()
            options.bookmarkInterval = .milliseconds(200)
            options.faults = faults
            let sim = try await KubeSim.start(options)
            self.sim = sim
            do {
                (client, kube, controller) = try await Self.connect(sim)
            } catch {
                await sim.stop()  // a failed fixture leaves no simulator running behind the failed test
                throw error
            }
        }

        private static func connect(_ sim: KubeSimServer) async throws -> (KubeClient, KubernetesBackend, Controller) {
            var retry = KubeClient.RetryPolicy()
            retry.maxRetries = 0
            let client = KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: 0, burst: 1), retryPolicy: retry)
            _ = try await client.create(PluginPodTests.secrets, namespace: "default", [
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "api-token"],
                "data": ["token": .string(Data("t0ken\n".utf8).base64EncodedString())],
            ])
            let directory = temporaryFolder()
            let kube = KubernetesBackend(client: client, settings: KubernetesSettings(pod: KubePodSettings(namespace: "default")),
                                         root: directory + "/attempts")
            let backend = PluginBackend(kube, plugins: testPlugins, root: directory + "/attempts",
                                        secretSource: .kubernetes(client: client, namespace: "default"))
            let controller = try Controller(directory: directory, backend: backend)
            controller.start()
            return (client, kube, controller)
        }

        /// Runs `body` with a fixture that is stopped however `body` ends.
        static func with(faults: [FaultRule] = [], _ body: (Fixture) async throws -> Void) async throws {
            let f = try await Fixture(faults: faults)
            do {
                try await body(f)
            } catch {
                await f.stop()
                throw error
            }
            await f.stop()
        }

        func run(secret: String, api: String) async throws -> SluiceEngine.RunState {
            let r = FlowCompiler.compile(PluginKubeSecretTests.flow.replacingOccurrences(of: "SECRET", with: secret), file: "hook.yaml",
                                         for: controller.compileTarget)
            let flow = try #require(r.flow, "\(r.diagnostics.map(\.description))")
            let controller = self.controller
            let id = try await onThread { try controller.submit(flow: flow, inputs: ["api": .string(api)], runID: "k1") }
            controller.drive(id)
            return try await controller.ended(id)
        }

        func stop() async {
            // The backend's watches end before the simulator stops, which otherwise waits for them.
            kube.shutdown()
            controller.stop()
            await sim.stop()
        }
    }

    @Test func anHTTPTaskSendsAHeaderFromAKubernetesSecret() async throws {
        let server = try await TestHTTPServer.start()
        try await Fixture.with { f in
            let state = try await f.run(secret: "api-token", api: server.base)
            #expect(state.header.phase == .succeeded, "\(state.nodes.compactMapValues { $0.failure?.message })")
            // The server echoes the Authorization header it received; the Secret's trailing newline is dropped.
            #expect(state.header.outputs?["auth"] == .string("Bearer t0ken"), "\(String(describing: state.header.outputs))")
        }
    }

    @Test func aMissingSecretFailsTheAttemptAsAUserErrorNamingIt() async throws {
        let server = try await TestHTTPServer.start()
        try await Fixture.with { f in
            let state = try await f.run(secret: "no-such-token", api: server.base)
            #expect(state.header.phase == .failed)
            let message = state.nodes["call"]?.failure?.message ?? ""
            #expect(message.contains("Secret default/no-such-token key 'token' cannot be read: Secret default/no-such-token does not exist"), "\(message)")
            // A user error: one attempt, not retried from the system budget.
            #expect(state.nodes["call"]?.attempts.count == 1)
        }
    }

    @Test func aMissingKeyAForbiddenSecretAndAnUnreachableServerSayWhoseFaultItIs() async throws {
        let f = try await Fixture(faults: [FaultRule(method: "GET", path: "/api/v1/namespaces/default/secrets/locked", status: 403)])
        let source = PluginSecretSource.kubernetes(client: f.client, namespace: "default")
        let missingKey = await failure(of: source, SecretRef(name: "api-token", key: "password"))
        #expect(missingKey?.kind == .user)
        #expect(missingKey?.message == "Secret default/api-token key 'password' cannot be read: the Secret has no key 'password' (its keys: token)")
        let forbidden = await failure(of: source, SecretRef(name: "locked"))
        #expect(forbidden?.kind == .user)
        #expect(forbidden?.message.hasPrefix("Secret default/locked key 'locked' cannot be read: injected fault 403") == true, "\(String(describing: forbidden))")
        await f.stop()
        // Nothing listens on the simulator's port any more: a connection error is the controller's side, retried.
        let gone = await failure(of: source, SecretRef(name: "api-token", key: "token"))
        #expect(gone?.kind == .system, "\(String(describing: gone))")
        #expect(gone?.message.hasPrefix("Secret default/api-token key 'token' cannot be read: ") == true)
    }

    private func failure(of source: PluginSecretSource, _ ref: SecretRef) async -> BackendError? {
        do throws(BackendError) {
            _ = try await source.fetch(ref)
            return nil
        } catch {
            return error
        }
    }
}
