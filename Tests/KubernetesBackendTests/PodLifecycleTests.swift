import Foundation
import KubeSim
import SluiceEngine
import SluiceKube
import SluiceModel
import SluiceRuntime
import Testing

/// What happens around a pod's life on KubeSim: logs live and after any deletion, someone else's deletion,
/// run labels, the cleanup at the end of `sluice run`, and the failure modes only a cluster shows.
@Suite struct PodLifecycleTests {
    static func running(_ name: String, retries: String = "{attempts: 1, system_attempts: 1}", extra: String = "") -> String {
        """
        name: \(name)
        tasks:
          t:
            image: kubesim/running
            retries: \(retries)
        \(extra)
        nodes:
          - {id: t, task: t}
        """
    }

    @Test func aRunningPodsLogIsInTheStoreWhileItRuns() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, backend) = try k.controller()
        let gate = k.directory + "-live"
        defer { try? FileManager.default.removeItem(atPath: gate) }
        let id = try await k.submit(controller, """
            name: live
            tasks:
              t:
                image: busybox
                command: [sh, -c, 'echo first line; while [ ! -e \(gate) ]; do sleep 0.05; done; echo second line']
            nodes:
              - {id: t, task: t}
            """, id: "live")
        controller.drive(id)
        // The task waits for the gate: its first line must reach the store while the pod still runs.
        #expect(await eventually { k.storedLog(backend, run: "live", node: "t").contains("first line") },
                "stored: \(k.storedLog(backend, run: "live", node: "t"))")
        #expect(k.pod("live-t-1")?["status"]?["phase"]?.stringValue == "Running")
        #expect(!k.storedLog(backend, run: "live", node: "t").contains("second line"))
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        let state = try await controller.ended(id)
        #expect(state.header.phase == .succeeded)
        let log = k.storedLog(backend, run: "live", node: "t")
        #expect(log.contains("first line\n") && log.contains("second line"), "\(log)")
        #expect(log.components(separatedBy: "first line").count == 2, "the log is in the store once: \(log)")
    }

    /// Without a live follow (none allowed), an abort and a timeout still copy the log before the pod is deleted.
    @Test func anAbortedOrTimedOutPodsLogIsCopiedBeforeItIsDeleted() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, backend) = try k.controller { $0.maxLogFollows = 0 }
        let client = k.client()
        func flow(_ name: String, timeout: String) -> String {
            """
            name: \(name)
            tasks:
              t:
                image: busybox
                timeout: \(timeout)
                retries: {attempts: 1, system_attempts: 1}
                command: [sh, -c, 'echo started \(name); sleep 60']
            nodes:
              - {id: t, task: t}
            """
        }
        let aborted = try await k.submit(controller, flow("ab", timeout: "1h"), id: "ab")
        let timed = try await k.submit(controller, flow("to", timeout: "2s"), id: "to")
        controller.drive(aborted)
        controller.drive(timed)
        #expect(await eventually {
            let bytes = (try? await client.logs(namespace: "default", pod: "ab-t-1", container: "task")) ?? []
            return String(decoding: bytes, as: UTF8.self).contains("started ab")
        })
        controller.requestAbort(aborted, by: "test", reason: "enough")
        let a = try await controller.ended(aborted)
        let t = try await controller.ended(timed)
        #expect(a.header.phase == .aborted || a.header.phase == .failed, "\(a.header.phase)")
        #expect(t.header.phase == .timedOut || t.header.phase == .failed, "\(t.header.phase)")
        #expect(await eventually { k.pods().isEmpty })
        #expect(k.storedLog(backend, run: "ab", node: "t").contains("started ab"), "\(k.storedLog(backend, run: "ab", node: "t"))")
        #expect(k.storedLog(backend, run: "to", node: "t").contains("started to"), "\(k.storedLog(backend, run: "to", node: "t"))")
    }

    /// `kubectl delete pod` with its default grace: the kubelet stops the container (exit 143). That is the
    /// cluster's doing: a system failure, not "exited with code 143".
    @Test func aGracefulDeleteBySomeoneElseIsASystemFailure() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let id = try await k.submit(controller, Self.running("grace"), id: "g")
        controller.drive(id)
        #expect(await eventually { k.pod("g-t-1")?["status"]?["phase"]?.stringValue == "Running" })
        _ = try await k.client().delete(.pods, namespace: "default", name: "g-t-1", gracePeriodSeconds: 30)
        let state = try await controller.ended(id)
        let node = try #require(state.node("t"))
        #expect(node.attempts.count == 1, "\(node.attempts.map { $0.failure?.message ?? "" })")
        #expect(node.attempts.last?.failure?.kind == .system, "\(node.attempts.last?.failure.map { "\($0)" } ?? "")")
        #expect(node.failure?.message.contains("deleted by someone else") == true, "\(node.failure?.message ?? "")")
    }

    @Test func theRunsLabelsGoOnItsPods() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller { $0.deleteAfter = .seconds(3600) }
        let id = try await k.submit(controller, KubernetesBackendTests.twoSteps, id: "lbl",
                                    labels: ["team": "vision", "example.com/ticket": "ml-42"])
        controller.drive(id)
        let state = try await controller.ended(id)
        #expect(state.header.phase == .succeeded)
        for name in ["lbl-count-1", "lbl-say-1"] {
            let labels = ObjectMeta(object: k.pod(name)?["metadata"]?.objectValue ?? JSONObject()).labels
            #expect(labels["team"] == "vision", "\(name): \(labels)")
            #expect(labels["example.com/ticket"] == "ml-42", "\(name): \(labels)")
            #expect(labels["sluice.dev/run"] == "lbl")
        }
    }

    /// The end of `sluice run`: pods still waiting for --pod-delete-after are deleted, their logs in the store.
    @Test func finishingTheCleanupDeletesPodsThatWaitForTheirDelay() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, backend) = try k.controller { $0.deleteAfter = .seconds(3600) }
        let state = try await k.run(controller, KubernetesBackendTests.twoSteps, id: "fin")
        #expect(state.header.phase == .succeeded)
        #expect(k.pods().count == 2)
        #expect(await backend.finishCleanup(within: .seconds(60)))
        #expect(await eventually { k.pods().isEmpty }, "left: \(k.pods().map { $0["metadata"]?["name"]?.stringValue ?? "" })")
        #expect(k.storedLog(backend, run: "fin", node: "count").contains("counting"))
        #expect(k.storedLog(backend, run: "fin", node: "say").contains("got 3"))
    }

    /// A Secret the task names does not exist: the kubelet cannot build the container (CreateContainerConfigError),
    /// a user error no retry fixes.
    @Test func aMissingSecretIsAPermanentUserFailure() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let state = try await k.run(controller, """
            name: nosecret
            tasks:
              t:
                image: busybox
                retries: {attempts: 3, system_attempts: 2}
                secrets:
                  - {name: not-there, key: password, env: DB_PASSWORD}
            nodes:
              - {id: t, task: t}
            """, id: "ns")
        let node = try #require(state.node("t"))
        #expect(state.header.phase == .failed)
        #expect(node.attempts.count == 1, "\(node.attempts.map { $0.failure?.message ?? "" })")
        #expect(node.attempts.last?.failure?.kind == .user)
        #expect(node.failure?.message.contains("CreateContainerConfigError") == true, "\(node.failure?.message ?? "")")
        #expect(node.failure?.message.contains("not-there") == true, "\(node.failure?.message ?? "")")
    }

    /// The node stops reporting (phase Unknown, NodeLost): a system failure, retried from the system budget.
    @Test func aLostNodeIsASystemFailureRetriedFromTheSystemBudget() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let state = try await k.run(controller, """
            name: nodelost
            tasks:
              t:
                image: busybox
                retries: {attempts: 1, system_attempts: 2, backoff: {base: 10ms, factor: 1, max: 10ms}}
                annotations: {kubesim.sluice.dev/outcome: NodeLost}
            nodes:
              - {id: t, task: t}
            """, id: "nl")
        let node = try #require(state.node("t"))
        #expect(state.header.phase == .failed)
        #expect(node.attempts.count == 2, "\(node.attempts.map { $0.failure?.message ?? "" })")
        #expect(node.attempts.allSatisfy { $0.failure?.kind == .system })
        #expect(node.failure?.message.contains("stopped reporting") == true, "\(node.failure?.message ?? "")")
    }

    /// The controller is down while the pod is deleted: the next controller finds its marker but no pod.
    @Test func aPodThatVanishedWhileTheControllerWasDownIsASystemFailure() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let first = try k.controller()
        let id = try await k.submit(first.0, Self.running("vanish"), id: "van")
        first.0.drive(id)
        #expect(await eventually { k.pod("van-t-1")?["status"]?["phase"]?.stringValue == "Running" })
        k.kill(first)
        _ = try await k.client().delete(.pods, namespace: "default", name: "van-t-1", gracePeriodSeconds: 0)
        #expect(await eventually { k.pod("van-t-1") == nil })
        let second = try k.controller()
        second.0.drive(id)
        let state = try await second.0.ended(id)
        let node = try #require(state.node("t"))
        #expect(node.attempts.last?.failure?.kind == .system)
        #expect(node.failure?.message.contains("vanished while the controller was down") == true, "\(node.failure?.message ?? "")")
        #expect(k.podCreates() == ["van-t-1"])
    }
}
