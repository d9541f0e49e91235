import Foundation
import Testing

/// kill -9 the controller at many points of a 20-task chain; `sluice resume` must finish the run with every
/// task's effect exactly once.
@Suite(.serialized) struct CrashTests {
    static func chain(_ ws: Workspace) throws -> String {
        let log = ws.dir.appendingPathComponent("done.log").path
        var text = """
            name: chain
            tasks:
              step:
                command: [sh, -c, "sleep 0.05; echo {{inputs.name}} >> \(log); echo '{\\"ok\\": true}' > $SLUICE_OUTPUTS"]
                inputs: {name: string, prev: {type: bool, default: true}}
                outputs: {ok: bool}
            nodes:

            """
        for i in 0..<20 {
            let prev = i == 0 ? "" : ", prev: s\(i - 1).ok"
            text += "  - {id: s\(i), task: step, inputs: {name: \"s\(i)\"\(prev)}}\n"
        }
        return try ws.write("chain.yaml", text)
    }

    /// Starts `sluice` with arguments; kills it with SIGKILL after `delay` unless it ended first.
    static func runAndKill(_ ws: Workspace, _ args: [String], delay: Double?, env: [String: String] = [:],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> Int32? {
        mustNotBlockThePool("CrashTests.runAndKill", sourceLocation: sourceLocation)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args + ["--store", ws.store]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        if let delay {
            let deadline = Date().addingTimeInterval(delay)
            while p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal ? nil : p.terminationStatus
    }

    @Test func killedAtTenPointsTheRunStillFinishesWithEveryTaskOnce() async throws {
        let ws = try Workspace()
        let flow = try Self.chain(ws)
        // Ten crashes: five at exact moments (right before / right after a commit, before its effects run),
        // five at times that land inside tasks, between tasks, or inside a commit.
        let faults: [(String?, Double?)] = [
            ("after-commit:3", nil), (nil, 0.25), ("before-commit:4", nil), (nil, 0.4), ("after-commit:6", nil),
            (nil, 0.13), ("before-commit:2", nil), (nil, 0.33), ("after-commit:1", nil), (nil, 0.21),
        ]
        var first = true
        for (fault, delay) in faults {
            let args = first ? ["run", flow, "--run-id", "crash"] : ["resume", "crash"]
            first = false
            let env = fault.map { ["SLUICE_FAULT": $0] } ?? [:]
            _ = try await offPool { try Self.runAndKill(ws, args, delay: delay, env: env) }
        }
        var status: Int32? = nil
        var tries = 0
        while status != 0, tries < 3 {
            status = try await offPool { try Self.runAndKill(ws, ["resume", "crash"], delay: nil) }
            tries += 1
        }
        #expect(status == 0)
        let lines = ws.lines("done.log")
        #expect(lines == (0..<20).map { "s\($0)" }, "\(lines)")
        let s = try await ws.status("crash")
        #expect(s["state"] as? String == "succeeded")
    }
}
