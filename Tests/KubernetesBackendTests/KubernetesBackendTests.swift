import Foundation
import KubeSim
import SluiceEngine
import SluiceKube
import SluiceModel
import SluiceRuntime
import Testing

/// The Kubernetes backend against KubeSim: flows run as pods end to end, every way a pod fails maps to the
/// right budget and message, restarts adopt instead of duplicating, limits hold.
@Suite struct KubernetesBackendTests {
    static let twoSteps = """
        name: pods
        tasks:
          count:
            image: busybox
            outputs: {n: int}
            command: [sh, -c, 'echo counting; printf "{\\"n\\": 3}" > "$SLUICE_OUTPUTS"']
          say:
            image: busybox
            inputs: {n: int}
            outputs: {text: string}
            command: [sh, -c, 'echo "got {{inputs.n}}"; printf "{\\"text\\": \\"n=%s\\"}" {{inputs.n}} > "$SLUICE_OUTPUTS"']
        nodes:
          - {id: count, task: count}
          - {id: say, task: say, inputs: {n: count.n}}
        """

    @Test func aFlowRunsAsPodsAndTheirLogsOutliveThem() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, backend) = try k.controller()
        let state = try await k.run(controller, Self.twoSteps)
        #expect(state.header.phase == .succeeded, "\(state.nodes.mapValues { $0.failure?.message ?? "" })")
        #expect(state.node("say")?.outputs?["text"] == .string("n=3"))
        #expect(k.podCreates().sorted() == ["r-count-1", "r-say-1"])
        // Logs are in the store, and the pods are deleted after the (zero) delay.
        let folder = try #require(backend.location(runID: "r", attempt: AttemptRef(node: "count", attempt: 1)))
        #expect(await eventually { ((try? String(contentsOfFile: folder + "/stdout.log", encoding: .utf8)) ?? "").contains("counting") })
        #expect(await eventually { k.pods().isEmpty }, "pods left: \(k.pods().map { $0["metadata"]?["name"]?.stringValue ?? "" })")
    }

    @Test func podsCarryTheAttemptsLabelsAndASecretEach() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller { $0.deleteAfter = .seconds(3600) }
        let state = try await k.run(controller, Self.twoSteps, id: "lab")
        #expect(state.header.phase == .succeeded)
        let pod = try #require(k.pods().first { $0["metadata"]?["name"]?.stringValue == "lab-count-1" })
        let labels = ObjectMeta(object: pod["metadata"]?.objectValue ?? JSONObject()).labels
        #expect(labels["sluice.dev/run"] == "lab")
        #expect(labels["sluice.dev/node"] == "count")
        #expect(labels["sluice.dev/attempt"] == "1")
        #expect(pod["spec"]?["restartPolicy"]?.stringValue == "Never")
        let secrets = k.sim.store.allObjects().filter { $0.type.plural == "secrets" }.map(\.name)
        #expect(secrets.contains("lab-count-1"))
    }

    /// One single-node run per failure mode, all at once on a scripted kubelet.
    @Test func everyPodFailureMapsToItsBudgetAndMessage() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller {
            $0.unschedulableGrace = .milliseconds(300)
            $0.imagePullGrace = .milliseconds(300)
        }
        func flow(_ image: String, memory: String? = nil) -> String {
            """
            name: mode
            tasks:
              t:
                image: "\(image)"
                retries: {attempts: 2, system_attempts: 2, backoff: {base: 10ms, factor: 1, max: 10ms}}
            \(memory.map { "    resources: {memory: \($0)}" } ?? "")
            nodes:
              - {id: t, task: t}
            """
        }
        let cases: [(id: String, image: String, memory: String?, attempts: Int, kind: Failure.Kind, says: String)] = [
            ("fail", "kubesim/fail", nil, 2, .user, "exited with code 1"),
            ("oom", "kubesim/oom", "64Mi", 2, .user, "64Mi"),
            ("evicted", "kubesim/evicted", nil, 2, .system, "evicted"),
            ("preempted", "kubesim/preempted", nil, 2, .system, "preempted"),
            ("unschedulable", "kubesim/unschedulable", nil, 2, .system, "could not be scheduled"),
            ("pull", "kubesim/pull-error", nil, 2, .user, "does not pull"),
            ("invalid", "Not A Valid Image!", nil, 1, .user, "InvalidImageName"),
        ]
        var ids: [String] = []
        for c in cases {
            ids.append(try await k.submit(controller, flow(c.image, memory: c.memory), id: c.id))
        }
        for id in ids { controller.drive(id) }
        for c in cases {
            let state = try await controller.ended(c.id)
            let node = try #require(state.node("t"))
            #expect(state.header.phase == .failed, "\(c.id)")
            #expect(node.attempts.count == c.attempts, "\(c.id): \(node.attempts.map { $0.failure?.message ?? "" })")
            #expect(node.attempts.last?.failure?.kind == c.kind, "\(c.id): \(node.attempts.last?.failure.map { "\($0)" } ?? "")")
            #expect(node.failure?.message.contains(c.says) == true, "\(c.id): \(node.failure?.message ?? "")")
        }
    }

    @Test func aPodDeletedBySomeoneElseIsASystemFailure() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let id = try await k.submit(controller, """
            name: victim
            tasks:
              t:
                image: kubesim/running
                retries: {attempts: 1, system_attempts: 1}
            nodes:
              - {id: t, task: t}
            """, id: "v")
        controller.drive(id)
        let client = k.client()
        #expect(await eventually { k.pods().contains { $0["status"]?["phase"]?.stringValue == "Running" } })
        _ = try await client.delete(.pods, namespace: "default", name: "v-t-1", gracePeriodSeconds: 0)
        let state = try await controller.ended(id)
        #expect(state.node("t")?.attempts.last?.failure?.kind == .system)
        #expect(state.node("t")?.failure?.message.contains("deleted by someone else") == true, "\(state.node("t")?.failure?.message ?? "")")
    }

    @Test func abortDeletesTheRunsPods() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let id = try await k.submit(controller, """
            name: long
            tasks:
              t: {image: kubesim/running}
            nodes:
              - {id: t, task: t}
            """, id: "a")
        controller.drive(id)
        #expect(await eventually { k.pods().contains { $0["status"]?["phase"]?.stringValue == "Running" } })
        controller.requestAbort(id, by: "test", reason: "enough")
        let state = try await controller.ended(id)
        #expect(state.header.phase == .aborted || state.header.phase == .failed, "\(state.header.phase)")
        #expect(await eventually { k.pods().isEmpty })
    }

    /// kill -9 of the controller mid-run, a new one on the same store: no pod twice, nothing lost.
    @Test func aRestartedControllerAdoptsPodsAndNeverDuplicatesThem() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let gate = k.directory + "-go"
        let yaml = """
            name: restart
            tasks:
              wait:
                image: busybox
                outputs: {ok: bool}
                command: [sh, -c, 'while [ ! -e \(gate) ]; do sleep 0.05; done; printf "{\\"ok\\": true}" > "$SLUICE_OUTPUTS"']
              after:
                image: busybox
                command: [sh, -c, 'echo after']
            nodes:
              - {id: a, task: wait}
              - {id: b, task: wait}
              - {id: c, task: after, after: [a, b]}
            """
        let first = try k.controller()
        let id = try await k.submit(first.0, yaml, id: "rs")
        first.0.drive(id)
        #expect(await eventually { k.pods().filter { $0["status"]?["phase"]?.stringValue == "Running" }.count == 2 })
        k.kill(first)
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: gate) }
        let second = try k.controller()
        second.0.drive(id)
        let state = try await second.0.ended(id)
        #expect(state.header.phase == .succeeded, "\(state.nodes.mapValues { $0.failure?.message ?? "" })")
        #expect(k.podCreates().sorted() == ["rs-a-1", "rs-b-1", "rs-c-1"])
    }

    @Test func aRunNeverHasMorePodsAliveThanItsLimit() async throws {
        let k = try await KubeFixture.start(commands: false)
        defer { Task { await k.stop() } }
        let (controller, backend) = try k.controller { $0.maxPodsPerRun = 2 }
        let state = try await k.run(controller, """
            name: wide
            inputs: {n: {type: list<int>, default: [1, 2, 3, 4, 5, 6]}}
            tasks:
              t: {image: busybox, inputs: {i: int}}
            nodes:
              - id: m
                map: {over: inputs.n, as: i, task: t, inputs: {i: i}}
            """, inputs: ["n": .list((1...6).map { .int($0) })], id: "w")
        #expect(state.header.phase == .succeeded, "\(state.nodes.mapValues { $0.failure?.message ?? "" })")
        #expect(backend.peakAlive <= 2)
        #expect(k.podCreates().count == 6)
    }

    /// 500s and 429s on creates, watches cut mid-stream, and a watch history so short that re-watching from
    /// the last version gets 410 Expired (a relist): every run still completes, with one pod per attempt.
    @Test func apiFaultsDoNotLoseARun() async throws {
        let k = try await KubeFixture.start {
            $0.watchHistory = 2
            $0.faults = [
                try! FaultRule(parsing: "POST /api/v1/namespaces/*/pods:500:count=2"),
                try! FaultRule(parsing: "POST /api/v1/namespaces/*/secrets:429:retry-after=0:count=2"),
                try! FaultRule(parsing: "GET /api/v1/namespaces/*/pods:drop-after=1:count=2"),
            ]
        }
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let state = try await k.run(controller, Self.twoSteps, id: "f")
        #expect(state.header.phase == .succeeded, "\(state.nodes.mapValues { $0.failure?.message ?? "" })")
        #expect(Set(k.podCreates()) == ["f-count-1", "f-say-1"])
    }

    @Test func outputsOverFourKiBFailWithAClearMessage() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let state = try await k.run(controller, """
            name: big
            tasks:
              t:
                image: busybox
                outputs: {blob: string}
                command: [sh, -c, 'printf "{\\"blob\\": \\"%05000d\\"}" 0 > "$SLUICE_OUTPUTS"']
            nodes:
              - {id: t, task: t}
            """, id: "big")
        #expect(state.header.phase == .failed)
        #expect(state.node("t")?.failure?.message.contains("4 KiB") == true, "\(state.node("t")?.failure?.message ?? "")")
    }
}
