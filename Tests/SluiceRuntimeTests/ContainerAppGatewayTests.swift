import DockerEngine
import Foundation
import SluiceEngine
import SluiceModel
import Synchronization
import Testing
@testable import SluiceRuntime

/// A task that `uses:` an app on the container backend without a way to the gateway: it ends before any container
/// is made, naming why (no engine is needed, and none is asked).
@Suite struct ContainerAppGatewayTests {
    /// A gateway that cannot give an address, for the reason it is given.
    struct Refusing: ContainerAppGateway {
        let error: BackendError
        func baseURL() async throws(BackendError) -> String { throw error }
    }

    /// The first observation the backend reports for a task that uses app `web`, started with `gateway` attached.
    static func firstObservation(gateway: (any ContainerAppGateway)?) async throws -> Observation {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cag-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let endpoint = try #require(EngineEndpoint.parse("unix://\(root)/no-engine.sock", source: "test"))
        let backend = ContainerBackend(client: EngineClient(endpoint: endpoint), root: root + "/attempts",
                                       secrets: LocalSecrets(directory: root + "/secrets"))
        defer { backend.stop() }
        backend.attach(appGateway: gateway)
        let (stream, continuation) = AsyncStream.makeStream(of: Observation.self)
        backend.observe { _, o in continuation.yield(o) }
        var task = try ContainerPlanTests.task("    image: busybox:1.36\n    command: [run]")
        task.uses = ["web"]
        let spec = AttemptSpec(runID: "r1", ref: AttemptRef(node: "ask", attempt: 1), name: "ask", task: task, image: "busybox:1.36",
                               command: ["run"], env: [], inputs: [:], inputsJSON: "{}", resources: task.resources, placement: nil,
                               labels: [:], interruptible: false)
        try backend.start(spec, extraEnvironment: [AppDeploy.urlVariable("web"): "http://127.0.0.1:1/apps/web"])
        for await o in stream { return o }
        throw BackendError("no observation")
    }

    @Test func withoutAGatewayTheTaskFailsNamingServeAsWhatItNeeds() async throws {
        let o = try await Self.firstObservation(gateway: nil)
        guard case .attemptExited(_, let exit) = o else { Issue.record("expected an exit: \(o)"); return }
        #expect(exit.exitCode == 127)
        #expect(exit.detail?.contains("no app gateway on the container network") == true, "\(exit)")
    }

    @Test func aGatewayThatCannotOpenYetIsASystemFailureAndOneThatNeverCanFailsTheTask() async throws {
        let later = try await Self.firstObservation(gateway: Refusing(error: BackendError("the address is not on this machine yet")))
        guard case .attemptLost(_, let reason) = later else { Issue.record("expected a lost attempt: \(later)"); return }
        #expect(reason.contains("cannot reach the app gateway") && reason.contains("not on this machine yet"), "\(reason)")

        let never = try await Self.firstObservation(gateway: Refusing(error: BackendError("no network 'bridge'", kind: .user)))
        guard case .attemptExited(_, let exit) = never else { Issue.record("expected an exit: \(never)"); return }
        #expect(exit.exitCode == 127 && exit.detail?.contains("no network 'bridge'") == true, "\(exit)")
    }
}
