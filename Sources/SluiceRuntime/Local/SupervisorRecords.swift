import Foundation

/// `state.json`: written by the supervisor as soon as the task runs.
struct SupervisorState: Decodable, Sendable {
    var supervisorPid: Int32
    var supervisorStartTime: UInt64
    var taskPid: Int32
    var taskStartTime: UInt64
    var bootID: String
    var startedAt: Double

    static func read(_ folder: AttemptFolder) -> SupervisorState? {
        guard let bytes = try? FileIO.read(folder.state, limit: 64 * 1024) else { return nil }
        return try? JSONDecoder().decode(SupervisorState.self, from: Data(bytes))
    }
}

/// `result.json`: how the task ended, or why the supervisor could not run it.
struct SupervisorResult: Decodable, Sendable {
    var error: String?
    var exitCode: Int32?
    var signal: Int32?
    var killedByUs: Bool?
    var oomKilled: Bool?
    var maxRSSBytes: Int64?
    var cpuMillis: Int64?
    var startedAt: Double?
    var finishedAt: Double?

    /// The largest `outputs.json` the runner takes; larger values belong in a blob store.
    static let outputsLimit = 4 * 1024 * 1024

    /// What the attempt's folder says about its end: nil while there is no result yet.
    static func observation(for handle: AttemptHandle) -> AttemptObservation? {
        let folder = AttemptFolder(path: handle.directory)
        let bytes: [UInt8]
        do {
            guard let read = try FileIO.read(folder.result, limit: 64 * 1024) else { return nil }
            bytes = read
        } catch {
            return .lost(handle, reason: "cannot read the attempt's result: \(error)")
        }
        guard let record = try? JSONDecoder().decode(SupervisorResult.self, from: Data(bytes)) else {
            return .lost(handle, reason: "the attempt's result.json is not valid (\(bytes.count) bytes)")
        }
        if let error = record.error { return .lost(handle, reason: "the supervisor failed: \(error)") }
        let (outputs, outputsError) = readOutputs(folder)
        return .exited(
            handle,
            AttemptResult(
                exitCode: record.exitCode, signal: record.signal, killedByUs: record.killedByUs ?? false,
                oomKilled: record.oomKilled ?? false, maxRSSBytes: record.maxRSSBytes ?? 0,
                cpuMillis: record.cpuMillis ?? 0, startedAt: Date(timeIntervalSince1970: record.startedAt ?? 0),
                finishedAt: Date(timeIntervalSince1970: record.finishedAt ?? 0), outputsJSON: outputs,
                outputsError: outputsError))
    }

    static func readOutputs(_ folder: AttemptFolder) -> (String?, String?) {
        do {
            guard let bytes = try FileIO.read(folder.outputs, limit: outputsLimit) else { return (nil, nil) }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return (nil, "outputs.json is not UTF-8 text")
            }
            return (text, nil)
        } catch {
            return (nil, "outputs.json \(error.reason)")
        }
    }
}

extension ProgressUpdate {
    /// The newest line of `progress.jsonl` that parses, from the file's last 64 KiB.
    /// A trailing line without a newline counts only when `final` (the task has ended).
    static func latest(in bytes: [UInt8], final: Bool) -> ProgressUpdate? {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if !final || lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines.reversed() where !line.isEmpty {
            if let update = parse(Data(line)) { return update }
        }
        return nil
    }

    private static func parse(_ line: Data) -> ProgressUpdate? {
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { return nil }
        var update = ProgressUpdate()
        update.progress = (object["progress"] as? NSNumber)?.doubleValue
        update.message = object["message"] as? String
        for (name, value) in object["metrics"] as? [String: Any] ?? [:] {
            if let number = value as? NSNumber { update.metrics[name] = number.doubleValue }
        }
        return update
    }
}
