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
default:
    FileHandle.standardError.write(Data("usage: sluice-bench-kube decode|watch|create|memory [--events N] [--pods N]\n".utf8))
    exit(2)
}
