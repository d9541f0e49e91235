import Foundation
import Glibc

/// A real PostgreSQL server for the tests: initdb in a temporary folder, started with pg_ctl on a free
/// loopback port (as `nobody` when the tests run as root, which PostgreSQL refuses), stopped when the test
/// process exits.
enum PostgresServer {
    /// The connection string of the running server, or why none could be started.
    /// Started once, on a thread of its own: initdb and pg_ctl block for seconds, which the Swift pool must not.
    static let started = Task<Result<String, SetupError>, Never> {
        await withCheckedContinuation { c in Thread { c.resume(returning: start()) }.start() }
    }

    struct SetupError: Error, CustomStringConvertible { var description: String }

    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary("initdb")) }

    private static func binary(_ name: String) -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        if let v = versions.sorted().last { return "/usr/lib/postgresql/\(v)/bin/\(name)" }
        return "/usr/local/bin/\(name)"
    }

    private static func start() -> Result<String, SetupError> {
        let folder = temporaryFolder()
        let data = folder + "/data"
        let port = freePort()
        if getuid() == 0 { chown(folder, 65534, 65534) }
        do {
            try run(binary("initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            try run(binary("pg_ctl"), ["-D", data, "-l", folder + "/log", "-w", "-t", "120", "-o",
                                       "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
        } catch {
            return .failure(error as? SetupError ?? SetupError(description: "\(error)"))
        }
        stopAtExit = (binary("pg_ctl"), data)
        atexit {
            guard let (pgctl, data) = PostgresServer.stopAtExit else { return }
            try? PostgresServer.run(pgctl, ["-D", data, "-m", "immediate", "stop"])
        }
        return .success("host=127.0.0.1 port=\(port) user=postgres dbname=postgres connect_timeout=10")
    }

    nonisolated(unsafe) static var stopAtExit: (String, String)?

    /// Runs a PostgreSQL program, as `nobody` when this process is root, and waits for it with waitpid (the
    /// server pg_ctl starts keeps inherited descriptors, so its output goes to a file, never a pipe).
    /// Every descriptor above 2 is closed first: posix_spawn passes on whatever this process holds without
    /// close-on-exec, such as the pipe another test reads a `sluice` command's output from, and the server would
    /// keep that pipe open for good (the reader then never sees its end).
    static func run(_ program: String, _ arguments: [String]) throws {
        let user = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "nobody", "--", program] : [program]
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-" 2>/dev/null; fi; done; exec "$@""#
        let argv = ["/bin/bash", "-c", closeInherited, "bash"] + user + arguments
        let outPath = temporaryFolder() + "/out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else {
            throw SetupError(description: "cannot start \(argv[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            throw SetupError(description: "\(program) failed (status \(status)): \(text)")
        }
    }

    /// A loopback port nobody listens on now (bound to 0, read back, closed).
    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
