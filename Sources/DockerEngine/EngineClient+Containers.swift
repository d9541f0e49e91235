import Foundation
import SluiceKube

/// A container as `GET /containers/{id}/json` describes it.
public struct ContainerInfo: Sendable, Hashable {
    public var id: String
    /// Without the leading slash Docker puts there.
    public var name: String
    public var labels: [String: String]
    /// `created`, `running`, `exited`, `paused`, `dead`, ... (Podman may say `configured`, `stopped`).
    public var status: String
    public var running: Bool
    public var exitCode: Int32
    /// The engine's word; Podman's stays false in some setups (see the backend's OOM rule).
    public var oomKilled: Bool
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The runtime's error (e.g. the command was not found), empty when none.
    public var error: String
    /// HostConfig.Memory in bytes (0: no limit).
    public var memoryLimit: Int64
    /// The image it was created from, as the create named it (`Config.Image`); empty when the engine did not say.
    public var image: String = ""

    /// Started at some point (not just created).
    public var hasStarted: Bool { running || startedAt != nil }
    /// Ran and stopped (`exited`, `stopped`, `dead`).
    public var hasExited: Bool { !running && finishedAt != nil && startedAt != nil }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Sendable, Hashable {
    public var id: String
    public var name: String
    public var labels: [String: String]
    public var state: String
}

extension EngineClient {
    /// Creates a container named `name`; returns its id. A name in use throws with `isConflict`.
    public func createContainer(name: String, _ config: ContainerConfig) async throws -> String {
        let r = try await call("POST", "/containers/create", query: [("name", name)], body: config.json)
        guard let id = (try? JSONValue.parse(r.body))?["Id"]?.stringValue else {
            throw EngineError(status: r.status, message: "no Id in the answer", call: "POST /containers/create")
        }
        return id
    }

    /// Starts a container; one that already runs is fine (304).
    public func startContainer(_ id: String) async throws {
        _ = try await call("POST", "/containers/\(EngineClient.escape(id))/start", accept: [304])
    }

    /// Stops a container: SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSeconds`.
    /// A container that is not running is fine (304).
    public func stopContainer(_ id: String, timeoutSeconds: Int) async throws {
        _ = try await call("POST", "/containers/\(EngineClient.escape(id))/stop", query: [("t", "\(timeoutSeconds)")],
                           timeout: .seconds(Int64(timeoutSeconds) + 60), accept: [304])
    }

    /// Sends a signal (default SIGKILL).
    public func killContainer(_ id: String, signal: String = "KILL") async throws {
        _ = try await call("POST", "/containers/\(EngineClient.escape(id))/kill", query: [("signal", signal)], accept: [409])
    }

    /// Removes a container (`force` kills it first). Returns false when there was none.
    @discardableResult
    public func removeContainer(_ id: String, force: Bool = false) async throws -> Bool {
        let r = try await call("DELETE", "/containers/\(EngineClient.escape(id))", query: [("force", force ? "1" : "0"), ("v", "1")],
                               accept: [404])
        return r.status != 404
    }

    /// Inspects a container; nil when there is none by that id or name.
    public func inspectContainer(_ id: String) async throws -> ContainerInfo? {
        let r = try await call("GET", "/containers/\(EngineClient.escape(id))/json", accept: [404])
        if r.status == 404 { return nil }
        let v = try EngineClient.parse(r.body, "GET /containers/\(id)/json")
        let s = v["State"]
        return ContainerInfo(
            id: v["Id"]?.stringValue ?? id,
            name: String((v["Name"]?.stringValue ?? "").drop { $0 == "/" }),
            labels: EngineClient.stringMap(v["Config"]?["Labels"]),
            status: s?["Status"]?.stringValue ?? "",
            running: s?["Running"]?.boolValue ?? false,
            exitCode: Int32(clamping: s?["ExitCode"]?.intValue ?? 0),
            oomKilled: s?["OOMKilled"]?.boolValue ?? false,
            startedAt: EngineClient.time(s?["StartedAt"]?.stringValue),
            finishedAt: EngineClient.time(s?["FinishedAt"]?.stringValue),
            error: s?["Error"]?.stringValue ?? "",
            memoryLimit: v["HostConfig"]?["Memory"]?.intValue ?? 0,
            image: v["Config"]?["Image"]?.stringValue ?? "")
    }

    /// Containers whose labels include every pair of `labels` (running and, with `all`, stopped ones).
    public func listContainers(labels: [String: String], all: Bool = true) async throws -> [ContainerSummary] {
        let r = try await call("GET", "/containers/json", query: [("all", all ? "1" : "0"), ("filters", EngineClient.filters(labels: labels))])
        let rows = try EngineClient.parse(r.body, "GET /containers/json").arrayValue ?? []
        return rows.map { row in
            ContainerSummary(id: row["Id"]?.stringValue ?? "",
                             name: String((row["Names"]?.arrayValue?.first?.stringValue ?? "").drop { $0 == "/" }),
                             labels: EngineClient.stringMap(row["Labels"]), state: row["State"]?.stringValue ?? "")
        }.filter { row in labels.allSatisfy { row.labels[$0.key] == $0.value } }
    }

    /// Blocks until the container stops (`condition` `not-running`, `next-exit` or `removed`); its exit code.
    public func waitContainer(_ id: String, condition: String = "not-running") async throws -> Int32 {
        let r = try await call("POST", "/containers/\(EngineClient.escape(id))/wait", query: [("condition", condition)], timeout: nil)
        return Int32(clamping: (try? JSONValue.parse(r.body))?["StatusCode"]?.intValue ?? -1)
    }

    /// The container's output as frames, stdout and stderr kept apart; with `follow`, until it stops.
    /// Containers Sluice creates have no TTY, so the stream is multiplexed.
    public func logs(_ id: String, follow: Bool) -> AsyncThrowingStream<LogFrame, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await self.stream("GET", "/containers/\(EngineClient.escape(id))/logs",
                                                         query: [("stdout", "1"), ("stderr", "1"), ("follow", follow ? "1" : "0")])
                    var demux = LogDemuxer()
                    for try await chunk in response.body {
                        for frame in demux.feed(chunk) { continuation.yield(frame) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func parse(_ body: [UInt8], _ call: String) throws -> JSONValue {
        do { return try JSONValue.parse(body) } catch {
            throw EngineError(status: nil, message: "unreadable answer: \(error)", call: call)
        }
    }

    static func stringMap(_ v: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for (k, x) in v?.objectValue ?? JSONObject() { if let s = x.stringValue { out[k] = s } }
        return out
    }

    /// RFC 3339 time; nil for the zero time both engines use for "never".
    static func time(_ s: String?) -> Date? {
        guard let s, !s.hasPrefix("0001-") else { return nil }
        return RFC3339.parse(s)
    }
}
