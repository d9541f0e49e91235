import Foundation
import Testing

/// The web UI in a real browser: a real `sluice serve`, headless Chromium driven by Selenium
/// (scripts/ui-browser-test.py). Without chromium, chromium-driver or Selenium in .build/venv-ui
/// (scripts/ui-deps.sh installs them) the test is skipped, saying so, except under CI (`CI=true`), where it runs
/// and fails: CI must not skip it.
@Suite(.serialized) struct WebUITests {
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"
    static let python = CLI.root.appendingPathComponent(".build/venv-ui/bin/python").path
    static let script = CLI.root.appendingPathComponent("scripts/ui-browser-test.py").path
    static let screenshots = CLI.root.appendingPathComponent(".build/ui-screenshots").path

    /// What is missing for the browser test, or nil when everything is there.
    static let missing: String? = {
        let needs = ["/usr/bin/chromium": "chromium", "/usr/bin/chromedriver": "chromium-driver", python: "Selenium's venv"]
        let absent = needs.filter { !FileManager.default.isExecutableFile(atPath: $0.key) }.map(\.value).sorted()
        return absent.isEmpty ? nil : "missing \(absent.joined(separator: ", ")): run scripts/ui-deps.sh"
    }()

    /// Steps a person sees in the UI: prepare, approve, a typed signal, then a task that prints, waits for the test
    /// to release it (the browser follows its log meanwhile) and finishes.
    static func flow(goFile: String) -> String {
        """
        name: review-flow
        outputs: {summary: ship.summary}
        tasks:
          prep:
            command: [sh, -c, "echo preparing"]
          ship:
            inputs: {count: int}
            outputs: {summary: string}
            command: [sh, -c, "echo shipping {{inputs.count}} items; printf '{\\"progress\\": 0.5, \\"message\\": \\"waiting for the go file\\", \\"metrics\\": {\\"polls\\": 1} }\\n' >> $SLUICE_PROGRESS; i=0; while [ ! -e '\(goFile)' ]; do i=$((i+1)); [ $i -gt 1200 ] && exit 3; sleep 0.1; done; echo shipped; printf '{\\"summary\\": \\"shipped {{inputs.count}}\\"}' > $SLUICE_OUTPUTS"]
        steps:
          - name: Prepare
            nodes: [{id: prep, task: prep}]
          - name: Review
            nodes: [{id: review, gate: {approve: null, message: "ship it?"}}]
          - name: Count
            nodes: [{id: count, gate: {signal: count, type: int}}]
          - name: Ship
            nodes: [{id: ship, task: ship, inputs: {count: count.value}}]
        """
    }

    /// A map of four items, the third of which fails twice (one retry); three of four suffice.
    static let map = """
        name: items
        inputs:
          sizes: {type: list<int>, default: [1, 2, 3, 4]}
        tasks:
          work:
            inputs: {n: int}
            outputs: {double: int}
            retries: {attempts: 2, backoff: {base: 10ms}}
            command: [sh, -c, "if [ {{inputs.n}} = 3 ]; then echo item three is bad >&2; exit 4; fi; printf '{\\"double\\": %d}' $(({{inputs.n}} * 2)) > $SLUICE_OUTPUTS"]
        nodes:
          - {id: each, map: {over: inputs.sizes, as: size, task: work, inputs: {n: size}, min_success_ratio: 0.5}}
        """

    @Test(.enabled(if: required || missing == nil, "needs chromium, chromium-driver and Selenium in .build/venv-ui (scripts/ui-deps.sh)"))
    func aPersonApprovesSignalsFollowsALogAndSeesTheRunFinishInABrowser() async throws {
        if let missing = Self.missing {
            Issue.record("CI=true and the browser test cannot run: \(missing)")
            return
        }
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let operatorToken = try await ws.sluice(["token", "create", "--role", "operator", "--name", "ui-operator"])
        let viewerToken = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "ui-viewer"])
        #expect(operatorToken.status == 0 && viewerToken.status == 0, "\(operatorToken.stderr)\(viewerToken.stderr)")
        let goFile = ws.dir.appendingPathComponent("go").path
        let flow = try ws.write("review.yaml", Self.flow(goFile: goFile))
        let viewerFlow = try ws.write("hold.yaml", "name: hold\nnodes:\n  - {id: review, gate: {approve: null, message: \"a viewer only looks\"}}\n")
        let submitted = try await ws.sluice(["submit", flow, "--run-id", "ui-run", "--label", "team=web", "--server", server.url])
        let held = try await ws.sluice(["submit", viewerFlow, "--run-id", "ui-held", "--server", server.url])
        let mapped = try await ws.sluice(["submit", try ws.write("map.yaml", Self.map), "--run-id", "ui-map", "--server", server.url])
        #expect(submitted.status == 0 && held.status == 0 && mapped.status == 0, "\(submitted.stderr)\(held.stderr)\(mapped.stderr)")
        // The browser may release the task before the test ends; the file must exist then, so the task ends.
        defer { _ = FileManager.default.createFile(atPath: goFile, contents: nil) }

        let admin = try String(contentsOfFile: ws.store + "/admin.token", encoding: .utf8)
        // The tokens go in a file only this user may read: a command line is visible to everyone in `ps`.
        let tokens = try Self.tokenFile(in: ws.dir.path, ["admin": Self.trimmed(admin), "operator": Self.trimmed(operatorToken.stdout),
                                                         "viewer": Self.trimmed(viewerToken.stdout)])
        let args = [Self.script, server.url, "ui-run", "ui-held", goFile, Self.screenshots, String(server.process.processIdentifier),
                    CLI.binary.path, ws.store, "ui-map"]
        #expect(!args.contains { $0.hasPrefix("slc_") }, "no token on the command line")
        let result = try await offPool { try Self.runPython(args, tokens: tokens) }
        #expect(result.status == 0, "the browser scenario failed:\n\(result.output)")
        if result.status == 0 {
            let status = try await ws.status("ui-run")
            #expect(status["state"] as? String == "succeeded")
            #expect((status["outputs"] as? [String: Any])?["summary"] as? String == "shipped 7")
            #expect(ws.node(status, "review")?["gate"].flatMap { ($0 as? [String: Any])?["comment"] as? String } == "looks good")
        }
        // The script stopped this server and started (and stopped) another on its address.
        server.terminate()
    }

    /// On the Kubernetes backend (KubeSim), a pod no node can take: the drawer says why it is pending.
    @Test(.enabled(if: required || missing == nil, "needs chromium, chromium-driver and Selenium in .build/venv-ui (scripts/ui-deps.sh)"))
    func aPersonSeesWhyAPodIsPendingInTheNodeDrawer() async throws {
        if let missing = Self.missing {
            Issue.record("CI=true and the browser test cannot run: \(missing)")
            return
        }
        let ws = try Workspace()
        let sim = try await offPool { try KubeSimProcess(ws) }
        defer { sim.process.terminate() }
        let server = try await RemoteServer.start(ws, extra: ["--backend", "kubernetes", "--kubeconfig", sim.kubeconfig])
        defer { server.terminate() }
        let viewer = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "ui-viewer"])
        #expect(viewer.status == 0, "\(viewer.stderr)")
        let flow = try ws.write("stuck.yaml", "name: stuck\ntasks:\n  t: {image: kubesim/unschedulable}\nnodes:\n  - {id: stuck, task: t}\n")
        let submitted = try await ws.sluice(["submit", flow, "--run-id", "kube-run", "--server", server.url])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let tokens = try Self.tokenFile(in: ws.dir.path, ["viewer": Self.trimmed(viewer.stdout)])
        let result = try await offPool { try Self.runPython([Self.script, "kube", server.url, "kube-run", Self.screenshots], tokens: tokens) }
        #expect(result.status == 0, "the browser scenario failed:\n\(result.output)")
    }

    static func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Writes `tokens` as JSON to a file created with mode 0600 (never readable by others, not even for a moment).
    static func tokenFile(in dir: String, _ tokens: [String: String]) throws -> String {
        let path = dir + "/ui-tokens.json"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: try JSONSerialization.data(withJSONObject: tokens))
        try handle.close()
        return path
    }

    /// Runs the Selenium script to its end (on a thread of its own: the caller wraps it in offPool); it reads the
    /// tokens from the file `SLUICE_UI_TOKENS` names.
    static func runPython(_ args: [String], tokens: String) throws -> (status: Int32, output: String) {
        mustNotBlockThePool("the browser test")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(["SLUICE_UI_TOKENS": tokens]) { _, new in new }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        // A browser that hangs must not hang the suite: ended after 10 minutes, a guard and not a latency bound.
        let guardTimer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 600, execute: guardTimer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guardTimer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
