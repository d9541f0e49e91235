import Foundation
import SluiceModel
import Testing
@testable import SluiceEngine
@testable import SluiceRuntime

/// The local backend runs at most `maxRunning` attempts at once; the rest wait in line, shown as queued.
@Suite struct LocalSlotTests {
    /// A map of six items whose tasks each mark that they started and then wait for `go`.
    static func flow(_ dir: String) throws -> CompiledFlow {
        try ControllerFixture.flow("""
            name: wide
            tasks:
              items:
                command: [sh, -c, 'echo "{\\"items\\": [0,1,2,3,4,5]}" > "$SLUICE_OUTPUTS"']
                outputs: {items: "list<int>"}
              work:
                command: [sh, -c, 'touch \(dir)/started-$(cat "$SLUICE_INPUTS" | tr -dc 0-9); while [ ! -f \(dir)/go ]; do sleep 0.02; done']
                inputs: {x: int}
            nodes:
              - {id: items, task: items}
              - {id: each, map: {over: items.items, as: x, task: work, inputs: {x: x}}}
            """)
    }

    static func started(_ dir: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("started-") }.count
    }

    static func fixture() throws -> (String, LocalBackend, Controller) {
        let dir = NSTemporaryDirectory() + "sluice-slots-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let backend = try LocalBackend(root: dir + "/attempts", secrets: LocalSecrets(directory: dir + "/secrets"), maxRunning: 2)
        let controller = try Controller(directory: dir, backend: backend)
        controller.start()
        return (dir, backend, controller)
    }

    @Test func attemptsBeyondTheLimitWaitAndShowAsQueued() async throws {
        let (dir, backend, controller) = try Self.fixture()
        defer { controller.stop(); try? FileManager.default.removeItem(atPath: dir) }
        let flow = try Self.flow(dir)
        let id = try await onThread { try controller.submit(flow: flow, inputs: [:], runID: "wide") }
        controller.drive(id)
        #expect(try await eventually(timeout: .seconds(180)) { backend.slotUsage == (2, 4) && Self.started(dir) == 2 })
        // Those waiting were never launched: two tasks started, not six.
        #expect(Self.started(dir) == 2)
        #expect(try await eventually(timeout: .seconds(180)) {
            guard let state = try? controller.state(of: id)?.1 else { return false }
            let queued = state.nodes.values.filter { $0.phase == .queued && $0.progress?.message?.contains("--max-local-attempts 2") == true }
            return queued.count == 4
        })
        FileManager.default.createFile(atPath: dir + "/go", contents: nil)
        let state = try await controller.ended(id)
        #expect(state.header.phase == .succeeded)
        #expect(Self.started(dir) == 6)
        #expect(backend.slotUsage == (0, 0))
        // Once an attempt starts, the note it showed while it waited is gone.
        #expect(state.nodes.values.allSatisfy { $0.progress == nil })
    }

    @Test func anAbortEndsWaitingAttemptsWithoutStartingThem() async throws {
        let (dir, backend, controller) = try Self.fixture()
        defer { controller.stop(); try? FileManager.default.removeItem(atPath: dir) }
        let flow = try Self.flow(dir)
        let id = try await onThread { try controller.submit(flow: flow, inputs: [:], runID: "cut") }
        controller.drive(id)
        #expect(try await eventually(timeout: .seconds(180)) { backend.slotUsage == (2, 4) && Self.started(dir) == 2 })
        controller.requestAbort(id, by: "test", reason: "enough")
        let state = try await controller.ended(id)
        #expect(state.header.phase == .aborted)
        #expect(Self.started(dir) == 2)
        #expect(backend.slotUsage == (0, 0))
    }
}
