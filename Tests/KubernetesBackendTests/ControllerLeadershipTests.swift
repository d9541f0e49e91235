import Foundation
import KubeSim
import SluiceEngine
import SluiceKube
import SluiceModel
import SluiceRuntime
import Synchronization
import Testing

/// Two controllers over one store and one Lease: only the leader creates pods; when it dies without giving
/// the lease up, the standby takes over, adopts the pods and finishes the run, creating none twice.
@Suite struct ControllerLeadershipTests {
    @Test func onlyTheLeaderCreatesPodsAndAStandbyTakesOver() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let gate = k.directory + "-go"
        defer { try? FileManager.default.removeItem(atPath: gate) }
        func options(_ owner: String) -> Controller.Options {
            var o = Controller.Options()
            o.owner = LeaseOwner(owner)
            o.claimsRuns = true
            o.claimPoll = .milliseconds(50)
            return o
        }
        let a = try k.controller(options: options("controller-a"), start: false)
        let b = try k.controller(options: options("controller-b"), start: false)
        func leadership(_ who: String) -> KubeLeadership {
            KubeLeadership(client: k.client(), namespace: "default", name: "sluice-test", identity: who,
                           // Long enough that a leader on a busy machine renews in time (2 s lapsed under a full
                           // suite); the takeover below waits one lease out.
                           leaseDuration: .seconds(10), renewDeadline: .seconds(7), retryPeriod: .milliseconds(200),
                           releaseOnCancel: false)
        }
        let la = leadership("a"), lb = leadership("b")
        let campaignA = Task.detached { await la.run(lead: { a.0.start() }, lost: { a.0.stop() }) }
        #expect(await eventually { la.isLeader })
        let campaignB = Task.detached { await lb.run(lead: { b.0.start() }, lost: { b.0.stop() }) }
        defer { campaignB.cancel() }

        let id = try await k.submit(a.0, """
            name: lead
            tasks:
              wait:
                image: busybox
                command: [sh, -c, 'while [ ! -e \(gate) ]; do sleep 0.05; done']
            nodes:
              - {id: x, task: wait}
              - {id: y, task: wait}
            """, id: "le")
        #expect(await eventually { k.pods().filter { $0["status"]?["phase"]?.stringValue == "Running" }.count == 2 })
        #expect(!lb.isLeader)
        #expect(b.1.peakAlive == 0, "the standby created pods")

        // The leader dies holding the lease (no release): the standby waits out the lease, then leads.
        campaignA.cancel()
        k.kill(a)
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        #expect(await eventually { lb.isLeader })
        let controller = b.0
        #expect(await eventually(.seconds(120)) {
            (try? await onThread { try controller.state(of: id)?.1.header.phase })??.isFinal == true
        })
        let final = try #require(try await onThread { try controller.state(of: id)?.1 })
        #expect(final.header.phase == .succeeded, "\(final.nodes.mapValues { $0.failure?.message ?? "" })")
        let creates = k.podCreates()
        #expect(creates.count == Set(creates).count, "duplicate pods: \(creates)")
        #expect(Set(creates) == ["le-x-1", "le-y-1"])
    }
}
