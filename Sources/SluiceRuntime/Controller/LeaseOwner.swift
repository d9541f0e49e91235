import Foundation

/// Who holds a run's lease: a controller process, named `local:<host>:<pid>` for processes of one machine
/// (so a dead one is recognised at once), or any other name for controllers elsewhere (pods).
public struct LeaseOwner: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    /// This process on this machine.
    public static func thisProcess(pid: Int32 = getpid()) -> LeaseOwner {
        LeaseOwner("local:\(ProcessInfo.processInfo.hostName):\(pid)")
    }

    public var description: String { name }

    /// The pid when the owner is a process of this machine.
    public var localPID: Int32? {
        let parts = name.split(separator: ":")
        guard parts.count == 3, parts[0] == "local", String(parts[1]) == ProcessInfo.processInfo.hostName else { return nil }
        return Int32(parts[2])
    }

    /// Whether the owner is a process of this machine that no longer exists (killed, crashed, closed).
    public var isDeadLocalProcess: Bool {
        guard let pid = localPID else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
