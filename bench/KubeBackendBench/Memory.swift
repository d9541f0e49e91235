import Foundation

/// This process's or another's memory and CPU time, from /proc/PID/status and /proc/PID/stat.
enum Memory {
    /// CPU seconds (user + system) used so far by this process or `pid`, from /proc/PID/stat.
    static func cpuSeconds(pid: Int32? = nil) -> Double {
        let path = pid.map { "/proc/\($0)/stat" } ?? "/proc/self/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let close = text.lastIndex(of: ")") else { return .nan }
        // Fields after the command's closing parenthesis, from field 3 (state); utime and stime are 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` field of /proc/PID/status (`VmRSS`, `VmHWM`), in bytes; 0 when unreadable.
    static func status(pid: Int32? = nil, _ field: String) -> Int {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return (Int(String(digits)) ?? 0) * 1024
        }
        return 0
    }

    /// Samples this process's VmRSS every 20 ms until stopped; the largest sample.
    final class Sampler: @unchecked Sendable {
        private let lock = NSLock()
        private var peak = 0
        private var running = true

        init() {
            let t = Thread { [self] in
                while lock.withLock({ running }) {
                    let rss = Memory.status("VmRSS")
                    lock.withLock { peak = max(peak, rss) }
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
            t.start()
        }

        func stop() -> Int {
            lock.withLock {
                running = false
                return peak
            }
        }
    }
}
