import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// Step-to-step latency: a chain of `steps` zero-delay pods; for each pair, the upstream pod's end seen on
/// the watch to the downstream pod's create request about to be sent, split into its stages.
enum ChainBench {
    struct Result {
        var seconds: Double
        /// Per pair (ms): the whole gap, and its stages in order.
        var total: [Double] = []
        var toReceiver: [Double] = []
        var toCommit: [Double] = []
        var toStart: [Double] = []
        var toSend: [Double] = []
    }

    static func flow(_ steps: Int) throws -> CompiledFlow {
        var text = "name: chain\ntasks:\n  t:\n    image: busybox\n    command: [\"true\"]\n    \(zeroDelay)\nnodes:\n"
        for i in 0..<steps { text += "  - {id: n\(i), task: t\(i > 0 ? ", after: [n\(i - 1)]" : "")}\n" }
        return try compile(text)
    }

    static func run(steps: Int, kubesim: String) throws -> Result {
        let setup = try BenchSetup(kubesim: kubesim, kubeQPS: 1000, kubeBurst: 1000) { s in
            s.podCreateQPS = 200
            s.podCreateBurst = 200
        }
        defer { setup.stop() }
        let chain = try flow(steps)
        let begun = ContinuousClock.now
        let id = try setup.run(chain)
        var r = Result(seconds: milliseconds(ContinuousClock.now - begun) / 1000)
        let t = setup.timeline
        for i in 1..<steps {
            let up = KubeName.attempt(runID: id, AttemptRef(node: "n\(i - 1)", attempt: 1))
            let down = KubeName.attempt(runID: id, AttemptRef(node: "n\(i)", attempt: 1))
            guard let ended = t.at(.podEnded, up), let sent = t.at(.createSending, down) else {
                throw BenchError("no trace for \(up) -> \(down)")
            }
            r.total.append(milliseconds(sent - ended))
            // The stages, when each was seen (the commit is the controller's last before `start`).
            if let reported = t.at(.reported, up), let committed = t.at(.committed, down), let started = t.at(.started, down) {
                r.toReceiver.append(milliseconds(reported - ended))
                r.toCommit.append(milliseconds(committed - reported))
                r.toStart.append(milliseconds(started - committed))
                r.toSend.append(milliseconds(sent - started))
            }
        }
        return r
    }
}
