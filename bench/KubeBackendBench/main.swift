// The Kubernetes backend end to end (issue 12): the controller on a KubeSim started as a process of its own
// (scripted kubelet, pods start and end at once), the store on /dev/shm. Prints one tab-separated line per
// run, for bench/kube-backend.sh.
//   sluice-bench-kube-backend chain [--steps 200]
//   sluice-bench-kube-backend map [--items 1000] [--qps 200] [--burst 200] [--kube-qps 1000] [--kube-burst 1000]
//       [--delete-after-ms N] (default: the backend's 10 minutes)
// Options common to both: --kubesim PATH (default: `kubesim` next to this executable).
import Foundation

signal(SIGPIPE, SIG_IGN)
let args = Array(CommandLine.arguments.dropFirst())
let mode = args.first ?? "chain"

func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count else { return nil }
    return args[i + 1]
}
func option(_ name: String, _ fallback: Int) -> Int { option(name).flatMap { Int($0) } ?? fallback }

let kubesim = option("kubesim")
    ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kubesim").path
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f3(_ x: Double) -> String { String(format: "%.3f", x) }
func mib(_ bytes: Int) -> String { f1(Double(bytes) / 1_048_576) }

do {
    switch mode {
    case "chain":
        let steps = option("steps", 200)
        let r = try ChainBench.run(steps: steps, kubesim: kubesim)
        func p(_ xs: [Double], _ q: Double) -> String { f1(percentile(xs, q)) }
        print(["chain", "steps=\(steps)", "seconds=\(f3(r.seconds))",
               "p50_ms=\(p(r.total, 0.5))", "p90_ms=\(p(r.total, 0.9))", "p99_ms=\(p(r.total, 0.99))", "max_ms=\(p(r.total, 1))",
               "watch_to_receiver_p50_ms=\(p(r.toReceiver, 0.5))", "receiver_to_commit_p50_ms=\(p(r.toCommit, 0.5))",
               "commit_to_start_p50_ms=\(p(r.toStart, 0.5))", "start_to_send_p50_ms=\(p(r.toSend, 0.5))",
               "receiver_to_commit_p99_ms=\(p(r.toCommit, 0.99))", "start_to_send_p99_ms=\(p(r.toSend, 0.99))"]
            .joined(separator: "\t"))
    case "map":
        let items = option("items", 1000)
        let qps = option("qps", 200)
        let r = try MapBench.run(items: items, qps: Double(qps), burst: option("burst", qps),
                                 kubeQPS: Double(option("kube-qps", 1000)), kubeBurst: option("kube-burst", 1000),
                                 deleteAfter: option("delete-after-ms").flatMap { Int64($0) }.map { .milliseconds($0) }, kubesim: kubesim)
        print(["map", "items=\(items)", "qps=\(qps)", "first_send_s=\(f3(r.firstSend))", "all_started_s=\(f3(r.allStarted))",
               "lag_p50_s=\(f3(r.lagP50))", "lag_max_s=\(f3(r.lagMax))", "all_sent_s=\(f3(r.allSent))",
               "rate_per_s=\(f1(r.ratePerSecond))", "last_end_s=\(f3(r.lastEnd))", "run_s=\(f3(r.runSeconds))",
               "cpu_s=\(f3(r.cpu))", "kubesim_cpu_s=\(f3(r.simCPU))",
               "creates=\(r.creates)", "pods=\(r.uniquePods)", "duplicates=\(r.creates - r.uniquePods)",
               "peak_alive=\(r.peakAlive)", "baseline_rss_mib=\(mib(r.baselineRSS))", "peak_rss_mib=\(mib(r.peakRSS))",
               "sampled_rss_mib=\(mib(r.sampledRSS))", "kubesim_peak_rss_mib=\(mib(r.simPeakRSS))"]
            .joined(separator: "\t"))
    default:
        FileHandle.standardError.write(Data("usage: sluice-bench-kube-backend chain|map [options] (see main.swift)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("sluice-bench-kube-backend \(mode): \(error)\n".utf8))
    exit(1)
}
