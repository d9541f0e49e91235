import Foundation
import SluiceEngine
import SluiceModel
@testable import SluiceRuntime
import Testing

/// Issue 13: when the controller's machine cannot start an attempt (no file descriptors, no supervisor, a
/// full disk), the failure is the system's: retried from the system budget with backoff, never a user error.
@Suite struct StartFailureTests {
    @Test func aStartTheMachineCannotMakeIsASystemFailureRetriedFromTheSystemBudget() async throws {
        let directory = NSTemporaryDirectory() + "sluice-startfail-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A supervisor that exists when the backend is made and is gone when attempts start: every spawn fails.
        let found = try #require(ProcessInfo.processInfo.environment["SLUICE_SUPERVISOR"] ?? Self.besideTests(), "no sluice-supervisor")
        let supervisor = directory + "/sluice-supervisor"
        try FileManager.default.copyItem(atPath: found, toPath: supervisor)
        let backend = try LocalBackend(root: directory + "/attempts", secrets: LocalSecrets(directory: directory + "/secrets"),
                                       supervisorPath: supervisor)
        try FileManager.default.removeItem(atPath: supervisor)
        let controller = try Controller(directory: directory, backend: backend)
        controller.start()
        defer { controller.stop() }
        let flow = try ControllerFixture.flow("""
            name: nostart
            tasks:
              t:
                command: [sh, -c, "exit 0"]
                retries: {attempts: 1, system_attempts: 2, backoff: {base: 10ms, factor: 1, max: 10ms}}
            nodes:
              - {id: a, task: t}
            """)
        let id = try await onThread { try controller.submit(flow: flow, inputs: [:], runID: "nostart") }
        controller.drive(id)
        let state = try await controller.ended(id)
        let node = try #require(state.nodes["a"])
        #expect(state.header.phase == .failed)
        #expect(node.failure?.kind == .system, "\(String(describing: node.failure))")
        #expect(node.systemFailures == 2 && node.userFailures == 0, "system \(node.systemFailures), user \(node.userFailures)")
        #expect(node.attempts.count == 2)
        #expect(node.failure?.message.contains("cannot start") == true, "\(String(describing: node.failure?.message))")
    }

    static func besideTests() -> String? {
        let bundle = Bundle.main.bundlePath
        for dir in [bundle, (bundle as NSString).deletingLastPathComponent, FileManager.default.currentDirectoryPath + "/.build/debug"] {
            let candidate = dir + "/sluice-supervisor"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
