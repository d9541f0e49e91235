import Foundation
import SluiceKube

/// A pod's log in the store: followed live into the attempt's `stdout.log` while the task runs (so `sluice
/// logs -f` shows it as it grows), and copied whole before anything of ours deletes the pod.
extension KubernetesBackend {
    /// Starts following the running pod's log into `stdout.log` (once per attempt; at most
    /// `settings.maxLogFollows` at once: the others get their log copied when they end).
    func followLog(_ name: String, _ folder: AttemptFolder) {
        state.withLock { s in
            guard s.followers[name] == nil, s.followers.count < settings.maxLogFollows else { return }
            s.followers[name] = Task.detached { [weak self] in
                guard let self else { return false }
                let complete = await self.streamLog(name, folder)
                _ = self.state.withLock { $0.followers.removeValue(forKey: name) }
                return complete
            }
        }
    }

    /// Streams the log until the container ends (true) or the follow is stopped (false). A follow that ends or
    /// fails while the attempt still runs (a dropped connection, a container the kubelet has not started yet)
    /// is made again from the start (the file is rewritten), a few times.
    private func streamLog(_ name: String, _ folder: AttemptFolder) async -> Bool {
        var delay = Duration.milliseconds(200)
        for _ in 0..<Self.followTries {
            if Task.isCancelled || state.withLock({ $0.attempts[name] == nil }) { return false }
            // Opened (and emptied) per try: every try reads the log from its start.
            guard let out = LogFile(folder.stdout) else { return false }
            do {
                let response = try await client.followLogs(namespace: namespace, pod: name, container: PodVerdict.taskContainer)
                for try await chunk in response.body { out.write(chunk) }
                if Task.isCancelled { return false }
            } catch {
                if Task.isCancelled { return false }
                // 404: the pod is gone, and its log with it.
                if (error as? KubeError)?.statusError?.code == 404 { return false }
                logger.debug("following the log of pod \(name) failed (\(error)); following it again")
            }
            try? await Task.sleep(for: delay)
            // Ended with its container: the attempt's end has arrived meanwhile.
            if state.withLock({ $0.attempts[name] == nil }) { return !Task.isCancelled }
            delay = min(delay * 2, .seconds(5))
        }
        return false
    }

    /// Reconnections of one pod's log follow.
    static let followTries = 5

    /// Stops following the pod's log and waits until the follower has written its last bytes.
    func stopFollowing(_ name: String) async {
        guard let follower = state.withLock({ $0.followers.removeValue(forKey: name) }) else { return }
        follower.cancel()
        _ = await follower.value
    }

    /// Whether the pod's log is being followed into the store.
    func isFollowed(_ name: String) -> Bool { state.withLock { $0.followers[name] != nil } }

    /// Copies the pod's whole log into the attempt folder's `stdout.log` (Kubernetes keeps stdout and stderr as
    /// one stream) through a temporary file, so memory stays bounded and a reader never sees a half-written
    /// copy; with `final`, marks it copied (nothing copies it again). A pod that is gone keeps what its
    /// follow wrote.
    func copyLogs(_ name: String, _ folder: AttemptFolder, final: Bool = true) async {
        if FileIO.exists(folder.logsCopied) { return }
        await stopFollowing(name)
        let temporary = folder.stdout + ".copy-\(UInt64.random(in: 0...UInt64.max))"
        do {
            let path = ResourceType.pods.path(namespace: namespace, name: name, subresource: "log")
            let response = try await client.stream(path: path, query: [("container", PodVerdict.taskContainer)])
            guard let out = LogFile(temporary) else {
                logger.warning("cannot write the log copy of pod \(name) at \(temporary)")
                return
            }
            for try await chunk in response.body { out.write(chunk) }
        } catch {
            unlink(temporary)
            // A pod that is gone took its log with it (404); 400: the container never started, so there is no log.
            let code = (error as? KubeError)?.statusError?.code
            if code != 404, code != 400 { logger.warning("cannot copy the log of pod \(name): \(error)") }
            return
        }
        if rename(temporary, folder.stdout) != 0 {
            logger.warning("cannot move the log copy of pod \(name) into place: \(FileIO.describe(errno))")
            unlink(temporary)
            return
        }
        guard final else { return }
        do { try FileIO.writeAtomically(folder.logsCopied, "") } catch { logger.warning("cannot mark the log of pod \(name) copied: \(error)") }
    }

    /// Before we delete a pod that has not ended (an abort, a timeout): keeps what it logged. A followed log
    /// goes on being written while the container stops; otherwise the log as it is now is copied.
    func keepLogBeforeDeleting(_ name: String, _ folder: AttemptFolder) async {
        if isFollowed(name) { return }
        await copyLogs(name, folder, final: false)
    }
}
