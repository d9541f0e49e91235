import Foundation
import SluiceKube

// sluice-bench-kube MODE [options]: prints one line per measurement (tab-separated), for bench/kube.sh.
let args = CommandLine.arguments.dropFirst()
let mode = args.first ?? "decode"

func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = args.firstIndex(of: "--\(name)"), args.index(after: i) < args.endIndex else { return fallback }
    return Int(args[args.index(after: i)]) ?? fallback
}

switch mode {
case "decode":
    let events = option("events", 100_000)
    let pods = option("pods", 1000)
    let (seconds, bytes) = await DecodeBench.run(events: events, pods: pods)
    print("decode\tevents=\(events)\tbytes/event=\(bytes / events)\tseconds=\(String(format: "%.3f", seconds))\tevents/s=\(Int(Double(events) / seconds))")
case "watch":
    let events = option("events", 100_000)
    let seconds = try await SimBench.watch(events: events, pods: option("pods", 1000))
    print("watch\tevents=\(events)\tseconds=\(String(format: "%.3f", seconds))\tevents/s=\(Int(Double(events) / seconds))")
case "create":
    let count = option("count", 1000)
    let r = try await SimBench.create(count: count, qps: Double(option("qps", 500)), burst: option("burst", 1000))
    print("create\tpods=\(count)\tseconds=\(String(format: "%.3f", r.seconds))\tpods/s=\(Int(Double(count) / r.seconds))\tp50_ms=\(String(format: "%.1f", r.p50 * 1000))\tp99_ms=\(String(format: "%.1f", r.p99 * 1000))")
case "memory":
    let pods = option("pods", 10_000)
    let r = try await SimBench.memory(pods: pods)
    print("memory\tpods=\(pods)\trss_before_mib=\(r.before >> 20)\trss_after_mib=\(r.after >> 20)\tinformer_mib=\((r.after - r.before) >> 20)")
case "handover":
    let release = option("release", 0) != 0
    let seconds = try await ElectionBench.handover(release: release)
    print("handover\trelease=\(release)\tseconds=\(String(format: "%.3f", seconds))")
default:
    FileHandle.standardError.write(Data("usage: sluice-bench-kube decode|watch|create|memory|handover [--events N] [--pods N] [--release 0|1]\n".utf8))
    exit(2)
}
