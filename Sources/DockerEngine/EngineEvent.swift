import Foundation
import SluiceKube

/// A container event from `GET /events`, with the two engines' words made one.
public struct EngineEvent: Sendable, Hashable {
    /// What happened. Podman says `died`/`remove` where Docker says `die`/`destroy`.
    public enum Action: Sendable, Hashable {
        case create, start, died, destroyed, oom
        case other(String)

        public init(engineWord: String) {
            switch engineWord {
            case "create": self = .create
            case "start": self = .start
            case "die", "died": self = .died
            case "destroy", "remove": self = .destroyed
            case "oom": self = .oom
            default: self = .other(engineWord)
            }
        }
    }

    public var action: Action
    /// The container's id.
    public var id: String
    /// The container's labels and the engine's extra attributes (`name`, `image`, `exitCode`).
    public var attributes: [String: String]
    public var time: Date?

    /// The exit code a `died` event carries (`exitCode` on Docker, `containerExitCode` on Podman).
    public var exitCode: Int32? {
        (attributes["exitCode"] ?? attributes["containerExitCode"]).flatMap { Int32($0) }
    }

    /// Reads one event object; nil for events about something other than a container.
    public init?(_ v: JSONValue) {
        let type = v["Type"]?.stringValue ?? v["type"]?.stringValue ?? "container"
        guard type == "container", let word = v["Action"]?.stringValue ?? v["status"]?.stringValue else { return nil }
        action = Action(engineWord: word)
        id = v["Actor"]?["ID"]?.stringValue ?? v["id"]?.stringValue ?? ""
        attributes = EngineClient.stringMap(v["Actor"]?["Attributes"])
        if let nanos = v["timeNano"]?.intValue {
            time = Date(timeIntervalSince1970: Double(nanos) / 1e9)
        } else {
            time = v["time"]?.intValue.map { Date(timeIntervalSince1970: Double($0)) }
        }
    }
}

extension EngineClient {
    /// Opens one streamed connection of container events for containers carrying every pair of `labels`.
    /// Returns once the engine has answered, so a caller that then inspects what it tracks misses nothing.
    /// The stream ends (or throws) when the connection drops; the caller reconnects and catches up.
    public func events(labels: [String: String]) async throws -> AsyncThrowingStream<EngineEvent, Error> {
        let response = try await stream("GET", "/events", query: [("filters", EngineClient.filters(["type": ["container"]], labels: labels))])
        return AsyncThrowingStream { continuation in
            let task = Task {
                var splitter = JSONStreamSplitter()
                do {
                    for try await chunk in response.body {
                        let values = try chunk.withUnsafeBytes { buffer throws(JSONError) in try splitter.append(buffer) }
                        for bytes in values {
                            guard let v = try? JSONValue.parse(bytes), let event = EngineEvent(v) else { continue }
                            if labels.allSatisfy({ event.attributes[$0.key] == $0.value }) { continuation.yield(event) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
                _ = response
            }
            continuation.onTermination = { _ in
                task.cancel()
                response.cancel()
            }
        }
    }
}
