import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts `sluice resume RUN` in a session of its own, so it outlives this command and the terminal.
enum Detached {
    /// The background driver's pid. Its output goes to `<store>/drivers/RUN.log`.
    static func resume(runID: String, storeDirectory: String, backendArguments: [String] = []) throws -> Int32 {
        let logs = storeDirectory + "/drivers"
        mkdir(logs, 0o700)  // exists already on every later detach
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let self_ = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logs + "/" + runID + ".log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process (engine connections, libcurl's wake-up pipe) goes to the driver.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(entry), fd > 2, fcntl(fd, F_GETFD) != -1 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, 0x80)  // POSIX_SPAWN_SETSID (glibc 2.26+), not imported into Swift
        let argv = [self_, "resume", runID, "--store", storeDirectory, "-o", "json"] + backendArguments
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, self_, &actions, &attributes, cArgs, environ)
        guard code == 0 else { throw CLIError.input("cannot start the background driver \(self_): \(String(cString: strerror(code)))") }
        return pid
    }

    /// Waits until `claimed()` says the background driver holds the run, checking every 10 ms. Fails with the
    /// driver's log when the driver exits first; gives up quietly after `limit` seconds (a slow machine: the run
    /// is still handed over, `status` says so until the driver claims it).
    static func waitForClaim(driver: Int32, runID: String, storeDirectory: String, limit: Double = 30,
                             _ claimed: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if try claimed() { return }
            var status: Int32 = 0
            if waitpid(driver, &status, WNOHANG) == driver {
                if try claimed() { return }
                let log = storeDirectory + "/drivers/" + runID + ".log"
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5).joined(separator: "\n")
                throw CLIError.input("the background driver of run \(runID) exited before it took the run (its log, \(log)):\n\(tail)")
            }
            usleep(10_000)
        }
    }
}
