import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// Every verb of the client against KubeSim over real HTTP on loopback.
@Suite struct ClientVerbTests {
    @Test func createGetReplaceDelete() async throws {
        try await withSim { sim, client in
            let created = try await client.create(.pods, namespace: "default", podDocument("web"))
            let rv = created["metadata"]?["resourceVersion"]?.stringValue
            #expect(rv != nil)
            #expect(created["metadata"]?["uid"]?.stringValue?.isEmpty == false)
            var fetched = try await client.get(.pods, namespace: "default", name: "web")
            #expect(fetched["metadata"]?["resourceVersion"]?.stringValue == rv)
            fetched["metadata"]?["labels"] = ["tier": "front"]
            let replaced = try await client.replace(.pods, namespace: "default", fetched)
            #expect(replaced["metadata"]?["labels"]?["tier"] == "front")
            try await client.delete(.pods, namespace: "default", name: "web", gracePeriodSeconds: 0)
            await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "web") }
            do {
                _ = try await client.get(.pods, namespace: "default", name: "web")
            } catch let error as KubeError {
                #expect(error.isNotFound)
                #expect(error.statusError?.message == #"pods "web" not found"#)
            }
        }
    }

    @Test func createTwiceIsAlreadyExistsWithTheServersMessage() async throws {
        try await withSim { _, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("twice"))
            do {
                _ = try await client.create(.pods, namespace: "default", podDocument("twice"))
                Issue.record("the second create succeeded")
            } catch let error as KubeError {
                #expect(error.isAlreadyExists)
                #expect(error.statusError?.message == #"pods "twice" already exists"#)
            }
        }
    }

    @Test func staleReplaceIsConflictAndTheHelperReappliesOnTheLatest() async throws {
        try await withSim { _, client in
            let first = try await client.create(.pods, namespace: "default", podDocument("c"))
            var other = first
            other["metadata"]?["labels"] = ["by": "other"]
            _ = try await client.replace(.pods, namespace: "default", other)
            var stale = first
            stale["metadata"]?["labels"] = ["by": "stale"]
            do {
                _ = try await client.replace(.pods, namespace: "default", stale)
                Issue.record("a stale write succeeded")
            } catch let error as KubeError {
                #expect(error.isConflict)
                #expect(error.statusError?.message.contains("the object has been modified") == true)
            }
            // The conflict helper: the first try writes from a stale copy, the retry re-reads.
            var tries = 0
            let written = try await client.update(.pods, namespace: "default", name: "c") { pod in
                tries += 1
                if tries == 1 { pod["metadata"]?["resourceVersion"] = first["metadata"]?["resourceVersion"] }
                pod["metadata"]?["annotations"] = ["note": "kept"]
                return true
            }
            #expect(tries == 2)
            #expect(written["metadata"]?["labels"]?["by"] == "other")
            #expect(written["metadata"]?["annotations"]?["note"] == "kept")
        }
    }

    @Test func listPagesWithLimitAndContinueAndSelectors() async throws {
        try await withSim { _, client in
            for i in 0..<7 {
                _ = try await client.create(.pods, namespace: "default", podDocument("p\(i)", labels: ["app": i % 2 == 0 ? "even" : "odd"]))
            }
            let first = try await client.list(.pods, namespace: "default", limit: 3)
            #expect(first.items.count == 3)
            #expect(!first.continueToken.isEmpty)
            #expect(first.items.allSatisfy { $0["kind"] == "Pod" && $0["apiVersion"] == "v1" })
            let all = try await client.listAll(.pods, namespace: "default", pageSize: 3)
            #expect(all.items.count == 7)
            #expect(Set(all.items.compactMap { $0["metadata"]?["name"]?.stringValue }).count == 7)
            let even = try await client.list(.pods, namespace: "default", options: ListOptions(labelSelector: "app=even"))
            #expect(even.items.count == 4)
            let notOdd = try await client.list(.pods, namespace: nil, options: ListOptions(labelSelector: "app notin (odd)"))
            #expect(notOdd.items.count == 4)
            let named = try await client.list(.pods, namespace: "default", options: ListOptions(fieldSelector: "metadata.name=p3"))
            #expect(named.items.map { $0["metadata"]?["name"] } == ["p3"])
        }
    }

    @Test func patchesMergeJSONStrategicAndApply() async throws {
        try await withSim { _, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("pt"))
            let merged = try await client.patch(.pods, namespace: "default", name: "pt",
                                                ["metadata": ["labels": ["a": "1"]]], as: .merge)
            #expect(merged["metadata"]?["labels"]?["a"] == "1")
            let jsonPatched = try await client.patch(.pods, namespace: "default", name: "pt",
                                                     [["op": "add", "path": "/metadata/labels/b", "value": "2"]], as: .json)
            #expect(jsonPatched["metadata"]?["labels"]?["b"] == "2")
            let strategic = try await client.patch(.pods, namespace: "default", name: "pt",
                                                   ["metadata": ["annotations": ["s": "yes"]]], as: .strategicMerge)
            #expect(strategic["metadata"]?["annotations"]?["s"] == "yes")
            let applied = try await client.patch(.pods, namespace: "default", name: "pt",
                                                 ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "pt", "labels": ["owner": "sluice"]]],
                                                 as: .apply(fieldManager: "sluice", force: true))
            #expect(applied["metadata"]?["labels"]?["owner"] == "sluice")
            let managers = applied["metadata"]?["managedFields"]?.arrayValue?.compactMap { $0["manager"]?.stringValue } ?? []
            #expect(managers.contains("sluice"))
        }
    }

    @Test func dryRunValidatesAndStoresNothing() async throws {
        try await withSim { sim, client in
            let before = sim.store.resourceVersion
            let answer = try await client.create(.pods, namespace: "default", podDocument("dry"), dryRun: true)
            #expect(answer["metadata"]?["name"] == "dry")
            #expect(sim.store.resourceVersion == before)
            await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "dry") }
            var bad = podDocument("Bad_Name")
            bad["spec"]?["containers"] = []
            do {
                _ = try await client.create(.pods, namespace: "default", bad, dryRun: true)
                Issue.record("an invalid pod passed a dry run")
            } catch let error as KubeError {
                #expect(error.isInvalid)
                #expect(!(error.statusError?.causes.isEmpty ?? true))
            }
        }
    }

    @Test func deleteWithGraceKeepsTheObjectTerminatingAndPropagationReachesDependents() async throws {
        try await withSim { _, client in
            var pod = podDocument("slow")
            pod["spec"]?["nodeName"] = "node-1"
            _ = try await client.create(.pods, namespace: "default", pod)
            let answer = try await client.delete(.pods, namespace: "default", name: "slow", gracePeriodSeconds: 30)
            #expect(answer["metadata"]?["deletionTimestamp"] != nil)
            #expect(answer["metadata"]?["deletionGracePeriodSeconds"] == 30)
            try await client.delete(.pods, namespace: "default", name: "slow", gracePeriodSeconds: 0)
            await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "slow") }

            let owner = try await client.create(.pods, namespace: "default", podDocument("owner"))
            var dependent = podDocument("dependent")
            dependent["metadata"]?["ownerReferences"] = [[
                "apiVersion": "v1", "kind": "Pod", "name": "owner",
                "uid": owner["metadata"]?["uid"] ?? "", "controller": true,
            ]]
            _ = try await client.create(.pods, namespace: "default", dependent)
            try await client.delete(.pods, namespace: "default", name: "owner", propagationPolicy: .background, gracePeriodSeconds: 0)
            #expect(await eventually {
                (try? await client.get(.pods, namespace: "default", name: "dependent")) == nil
            })
        }
    }

    @Test func podSpecsAreFixedAfterCreationExceptWhatTheServerAllows() async throws {
        try await withSim { _, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("fixed"))
            // Allowed: a new image, an added toleration, labels.
            let moved = try await client.update(.pods, namespace: "default", name: "fixed") { pod in
                pod["spec"]?["containers"]?.modifyFirstContainer { $0["image"] = "busybox:1.37" }
                pod["spec"]?["tolerations"] = [["key": "gpu", "operator": "Exists"]]
                pod["metadata"]?["labels"] = ["k": "v"]
                return true
            }
            #expect(moved["spec"]?["containers"]?.arrayValue?.first?["image"] == "busybox:1.37")
            // Not allowed: the command.
            do {
                try await client.update(.pods, namespace: "default", name: "fixed") { pod in
                    pod["spec"]?["containers"]?.modifyFirstContainer { $0["command"] = ["false"] }
                    return true
                }
                Issue.record("a pod's command changed after creation")
            } catch let error as KubeError {
                #expect(error.isInvalid)
                #expect(error.statusError?.message.hasPrefix(#"Pod "fixed" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"#) == true)
            }
        }
    }

    @Test func typedVerbsReadAndWriteViews() async throws {
        try await withSim { _, client in
            var pod = Pod(name: "typed", namespace: "default")
            pod.spec.containers = [Container(name: "main", image: "busybox")]
            let created = try await client.create(pod)
            #expect(created.metadata.uid?.isEmpty == false)
            let listed = try await client.list(Pod.self, namespace: "default")
            #expect(listed.items.map(\.metadata.name) == ["typed"])
            let updated = try await client.update(Pod.self, namespace: "default", name: "typed") { p in
                p.metadata.labels = ["k": "v"]
                return true
            }
            #expect(updated.metadata.labels["k"] == "v")
        }
    }
}

extension JSONValue {
    /// Test convenience: change the first element of an array of objects.
    mutating func modifyFirstContainer(_ change: (inout JSONValue) -> Void) {
        guard var list = arrayValue, !list.isEmpty else { return }
        change(&list[0])
        self = .array(list)
    }
}
