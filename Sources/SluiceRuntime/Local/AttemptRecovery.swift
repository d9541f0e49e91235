#if os(Linux)
import Glibc

/// What an attempt's folder says when this runner is not (yet) following its supervisor.
enum AttemptRecovery {
    enum Finding {
        /// A supervisor holds the attempt's lock.
        case live
        /// The attempt ended (or was lost) and there is nothing left to follow.
        case ended(AttemptObservation)
        /// Nothing was ever started for it.
        case notStarted
    }

    /// Reads the folder. Call only while no supervisor can be starting for it (the runner's start lock).
    static func inspect(_ handle: AttemptHandle, lockHeldByCaller: Bool = false) -> Finding {
        let folder = AttemptFolder(path: handle.directory)
        if !lockHeldByCaller && ProcessControl.isLocked(folder.lock) { return .live }
        // No supervisor lives, so any result.json is complete.
        if let observation = SupervisorResult.observation(for: handle) { return .ended(observation) }
        if FileIO.exists(folder.state) {
            return .ended(lost(handle, reason: "its supervisor ended without writing a result"))
        }
        return .notStarted
    }

    /// A lost attempt: also kills its task if that still runs without a supervisor, so a retry
    /// never runs beside it.
    static func lost(_ handle: AttemptHandle, reason: String) -> AttemptObservation {
        let folder = AttemptFolder(path: handle.directory)
        if let state = SupervisorState.read(folder), state.bootID != ProcessControl.bootID {
            return .lost(handle, reason: "the machine restarted while the attempt ran")
        }
        if let pid = killOrphanedTask(folder) {
            return .lost(handle, reason: reason + "; its task (pid \(pid)) was left running and has been killed")
        }
        return .lost(handle, reason: reason)
    }

    /// SIGKILLs the task's process group when its leader is still the process the supervisor
    /// started; returns its pid then.
    @discardableResult
    static func killOrphanedTask(_ folder: AttemptFolder) -> Int32? {
        guard let state = SupervisorState.read(folder),
            ProcessControl.isSameProcess(pid: state.taskPid, startTime: state.taskStartTime, bootID: state.bootID)
        else { return nil }
        kill(-state.taskPid, SIGKILL)
        return state.taskPid
    }

    /// A watch for a supervisor started by someone else, by pidfd when its pid is surely still it.
    static func follow(_ handle: AttemptHandle) -> WatchedAttempt {
        let state = SupervisorState.read(AttemptFolder(path: handle.directory))
        var pidfd: Int32 = -1
        if let state {
            pidfd = ProcessControl.pidfdOpen(state.supervisorPid)
            // Checked after opening: if the pid was recycled before the open, the start time differs.
            let same = ProcessControl.isSameProcess(
                pid: state.supervisorPid, startTime: state.supervisorStartTime, bootID: state.bootID)
            if pidfd >= 0 && !same {
                close(pidfd)
                pidfd = -1
            }
        }
        return WatchedAttempt(handle: handle, supervisorPid: state?.supervisorPid ?? 0, pidfd: pidfd, isChild: false, notifyFD: -1)
    }

    /// Asks a supervisor this runner does not follow to cancel, checking its pid first; with no
    /// supervisor left, kills the task's group if it still runs.
    static func cancelUnfollowed(_ handle: AttemptHandle) {
        let folder = AttemptFolder(path: handle.directory)
        guard ProcessControl.isLocked(folder.lock) else {
            killOrphanedTask(folder)
            return
        }
        if let state = SupervisorState.read(folder),
            ProcessControl.isSameProcess(pid: state.supervisorPid, startTime: state.supervisorStartTime, bootID: state.bootID)
        {
            kill(state.supervisorPid, SIGUSR1)
        }
    }
}
#endif
