import Foundation
import SluiceEngine
import SluiceModel
import SluiceStore

extension RunDriver {
    /// This machine's lease-holder name for a process: `local:<host>:<pid>`.
    public static func localOwner(pid: Int32 = getpid()) -> String {
        "local:\(ProcessInfo.processInfo.hostName):\(pid)"
    }

    /// A lease held by a process of this machine that no longer exists (kill -9) is taken over at once,
    /// instead of waiting for it to expire; any other live holder is respected.
    func takeOverFromDeadLocalOwner(_ owner: String) throws {
        guard let lease = try store.lease(runID: runID) else {
            if try store.claim(runID: runID, owner: owner, ttl: options.leaseTTL) { return }
            throw ControllerError.busy(run: runID, owner: "another process")
        }
        let parts = lease.owner.split(separator: ":")
        let host = ProcessInfo.processInfo.hostName
        if parts.count == 3, parts[0] == "local", String(parts[1]) == host, let pid = Int32(parts[2]),
           kill(pid, 0) != 0, errno == ESRCH {
            _ = try store.release(runID: runID, owner: lease.owner)
            if try store.claim(runID: runID, owner: owner, ttl: options.leaseTTL) { return }
        }
        throw ControllerError.busy(run: runID, owner: lease.owner)
    }

    /// After a restart: keep watching attempts whose supervisors live, collect results that arrived while we
    /// were down (the runner reports them), and report as lost the attempts that never got a supervisor.
    func adopt(_ state: SluiceEngine.RunState) -> [Observation] {
        let found = Set(runner.adopt(runID: runID).map(Launching.ref))
        var lost: [Observation] = []
        for (id, n) in state.nodes.sorted(by: { $0.key < $1.key }) {
            for a in n.attempts where !a.phase.isFinal {
                let ref = AttemptRef(node: id, attempt: a.number, purpose: a.purpose)
                if !found.contains(ref) {
                    lost.append(.attemptLost(ref, reason: "it never started: the controller stopped before launching it"))
                }
            }
        }
        return lost
    }

    /// Launches an attempt; a launch that fails at once comes back as an exit the engine understands.
    func start(_ spec: AttemptSpec) -> [Observation] {
        do {
            _ = try runner.start(Launching.launch(spec, callback: callback))
            return []
        } catch {
            return [.attemptExited(spec.ref, AttemptExit(exitCode: 127, detail: "cannot start: \(error)"))]
        }
    }

    func cancel(_ ref: AttemptRef) {
        let purpose: AttemptLaunch.Purpose = ref.purpose == .revert ? .revert : .run
        let dir = AttemptFolder(root: runner.root, runID: runID, nodeID: ref.node, attempt: ref.attempt, purpose: purpose).path
        runner.cancel(AttemptHandle(runID: runID, nodeID: ref.node, attempt: ref.attempt, purpose: purpose, directory: dir))
    }

    /// Answers a cache look-up from the store; with `serialize`, the first asker reserves the key.
    func lookup(node: String, key: String, serialize: Bool) -> Observation {
        do {
            if let hit = try store.cachedOutputs(key: key) {
                return .cacheAnswer(node: node, key: key, .hit(outputsJSON: String(decoding: hit.outputs, as: UTF8.self),
                                                                  from: "\(hit.runID)/\(hit.nodeID)"))
            }
            if !serialize { return .cacheAnswer(node: node, key: key, .miss(reserved: true)) }
            let reserved = try store.reserveCache(key: key, owner: CacheOwner(runID: runID, nodeID: node))
            return .cacheAnswer(node: node, key: key, .miss(reserved: reserved))
        } catch {
            return .cacheAnswer(node: node, key: key, .miss(reserved: true))
        }
    }

    /// Cache writes and releases that belong in the same commit as the step that produced them.
    func cacheWrites(_ r: StepResult, flow: CompiledFlow) -> ([CacheEntry], [CacheRelease]) {
        var puts: [CacheEntry] = []
        var releases: [CacheRelease] = []
        for e in r.effects {
            switch e {
            case .storeCache(let key, let task, let version, let json, let node):
                puts.append(CacheEntry(key: key, taskName: task, cacheVersion: version, outputs: Data(json.utf8), runID: runID, nodeID: node))
            case .releaseCache(let key, let node):
                releases.append(CacheRelease(key: key, owner: CacheOwner(runID: runID, nodeID: node)))
            default: break
            }
        }
        return (puts, releases)
    }
}

/// The last lines of an attempt's stderr, for the failure message.
enum StderrTail {
    static func read(_ path: String, maxBytes: Int = 2048, lines: Int = 5) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        let data = (try? h.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(lines).joined(separator: " | ")
        return text.isEmpty ? nil : String(text)
    }
}
