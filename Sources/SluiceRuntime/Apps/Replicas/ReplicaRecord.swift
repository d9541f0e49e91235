#if os(Linux)
import Foundation
import Glibc

/// `<app folder>/replica-N.pid` (`replica-N.G.pid` for a supervisor of generation G > 0: during a rolling update
/// the old and the new replica N run side by side): which process a replica is (pid, start time, boot id),
/// written when it starts and removed when it ends. A server killed outright (SIGKILL, a crash) cannot stop its replicas; the next
/// one finds their records and kills the process groups that are still the same processes.
enum ReplicaRecord {
    static func path(folder: String, index: Int, generation: Int) -> String {
        generation == 0 ? "\(folder)/replica-\(index).pid" : "\(folder)/replica-\(index).\(generation).pid"
    }

    static func write(folder: String, index: Int, generation: Int, pid: pid_t) {
        guard let start = ProcessControl.startTime(of: pid) else { return }
        let text = "\(pid) \(start) \(ProcessControl.bootID)\n"
        try? text.write(toFile: path(folder: folder, index: index, generation: generation), atomically: true, encoding: .utf8)
    }

    static func remove(folder: String, index: Int, generation: Int) {
        unlink(path(folder: folder, index: index, generation: generation))
    }

    /// Kills the process group of every recorded replica under `directory` (one folder per app) that still
    /// runs, and removes the records; returns how many were killed.
    @discardableResult
    static func killLeftovers(under directory: String) -> Int {
        var killed = 0
        let apps = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for app in apps {
            let folder = "\(directory)/\(app)"
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".pid") {
                let path = "\(folder)/\(file)"
                defer { unlink(path) }
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
                guard parts.count == 3, let pid = pid_t(parts[0]), let start = UInt64(parts[1]),
                      ProcessControl.isSameProcess(pid: pid, startTime: start, bootID: String(parts[2])) else { continue }
                kill(-pid, SIGKILL)
                killed += 1
            }
        }
        return killed
    }
}
#endif
