import Foundation
import SluiceModel

/// The files a run has beside its rows: `<store>/attempts/<run>/` (every attempt's folder and logs, on every
/// backend) and `<store>/drivers/<run>.log` (a detached driver's output).
struct RunFiles {
    let directory: String

    var attemptsRoot: String { directory + "/attempts" }
    var driversRoot: String { directory + "/drivers" }

    /// The run's attempt folder (named as the backends name it) and its driver log.
    func paths(of runID: String) -> [String] {
        [attemptsRoot + "/" + PathComponent.safe(runID), driversRoot + "/" + runID + ".log"]
    }

    /// The bytes under `paths` (files that are not there count 0).
    func size(_ paths: [String]) -> Int64 {
        paths.reduce(0) { $0 + Self.size(of: $1) }
    }

    /// Removes `paths`; what cannot be removed now stays and is found again as a leftover by the next prune.
    func remove(_ paths: [String]) {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// The names of every attempt folder and driver log. List them before reading which runs exist: a run's row
    /// is committed before its folder is made, so a folder listed without a run was left by a deletion.
    func entries() -> (folders: [String], logs: [String]) {
        let fm = FileManager.default
        let folders = (try? fm.contentsOfDirectory(atPath: attemptsRoot)) ?? []
        let logs = ((try? fm.contentsOfDirectory(atPath: driversRoot)) ?? []).filter { $0.hasSuffix(".log") }
        return (folders.sorted(), logs.sorted())
    }

    private static func size(of path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        if info.st_mode & 0o170000 != 0o040000 { return Int64(info.st_blocks) * 512 }
        var total = Int64(info.st_blocks) * 512
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return total }
        for name in names { total += size(of: path + "/" + name) }
        return total
    }
}
