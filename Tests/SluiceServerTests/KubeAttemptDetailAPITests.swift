import Foundation
import KubeSim
import SluiceKube
import SluiceRuntime
import XCTest

/// A server on the Kubernetes backend over KubeSim: an attempt's pod, its namespace and node, and the Events that
/// say why a pod is pending, through `GET /api/v1/runs/{id}/nodes/{node}/attempts/{n}`.
final class KubeAttemptDetailAPITests: XCTestCase {
    static let flow = """
        name: placed
        tasks:
          stuck: {image: kubesim/unschedulable}
          busy: {image: kubesim/running}
        nodes:
          - {id: stuck, task: stuck}
          - {id: busy, task: busy}
        """

    func testAPodShowsItsNamespaceNodeAndWhyItIsPending() throws {
        let sim = try Self.startKubeSim()
        let store = TestServer.temporaryStore()
        var settings = KubernetesSettings(pod: KubePodSettings(namespace: "default"))
        settings.tick = .milliseconds(100)
        let backend = KubernetesBackend(client: KubeClient(server: sim.baseURL), settings: settings, root: store + "/attempts")
        let server = try TestServer(store: store) { $0.backend = backend }
        defer {
            server.stop()
            backend.shutdown()
            Self.block { await sim.stop() }
        }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.flow, "run_id": "k1"]).status, 201)

        // The scheduler finds no node for `stuck`: its FailedScheduling Event is the answer to "why pending?".
        let stuck = try c.poll("/api/v1/runs/k1/nodes/stuck/attempts/1") { d in
            (d["events"] as? [[String: Any]] ?? []).contains { $0["reason"] as? String == "FailedScheduling" }
        }
        XCTAssertEqual(stuck["backend"] as? String, "kubernetes")
        XCTAssertEqual(stuck["state"] as? String, "queued")
        let pod = try XCTUnwrap(stuck["pod"] as? [String: Any])
        XCTAssertEqual(pod["name"] as? String, "k1-stuck-1")
        XCTAssertEqual(pod["namespace"] as? String, "default")
        XCTAssertNil(pod["node"], "an unscheduled pod has no node")
        let failed = try XCTUnwrap((stuck["events"] as? [[String: Any]])?.first { $0["reason"] as? String == "FailedScheduling" })
        XCTAssertEqual(failed["type"] as? String, "Warning")
        XCTAssertFalse((failed["message"] as? String ?? "").isEmpty)
        XCTAssertNil(stuck["process"])

        // `busy` runs: its pod's node is the one the scheduler chose.
        let busy = try c.poll("/api/v1/runs/k1/nodes/busy/attempts/1") { (($0["pod"] as? [String: Any])?["node"] as? String) != nil }
        let placed = sim.store.allObjects().first { $0.type.plural == "pods" && $0.name == "k1-busy-1" }?.object
        let node = try XCTUnwrap(placed?["spec"]?["nodeName"]?.stringValue)
        XCTAssertEqual((busy["pod"] as? [String: Any])?["node"] as? String, node)
        XCTAssertEqual((busy["pod"] as? [String: Any])?["name"] as? String, "k1-busy-1")
        XCTAssertTrue((busy["events"] as? [[String: Any]] ?? []).contains { $0["reason"] as? String == "Scheduled" },
                      "a scheduled pod's Normal events are listed too: \(busy["events"] ?? "none")")
        XCTAssertEqual(try c.post("/api/v1/runs/k1/abort", json: [:]).status, 202)
    }

    static func startKubeSim() throws -> KubeSimServer {
        var options = KubeSimOptions()
        options.bookmarkInterval = .milliseconds(200)
        options.runCommands = false
        options.components = KubeSimComponents.builtIn(options)
        let chosen = options
        return try block { try await KubeSim.start(chosen) }
    }

    /// Runs async work from this synchronous test's thread (never the cooperative pool) and waits for it.
    static func block<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    static func block(_ work: @escaping @Sendable () async -> Void) {
        _ = try? block { await work(); return true }
    }
}

/// A result handed from a task to the waiting test thread.
final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
