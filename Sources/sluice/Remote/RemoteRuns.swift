import Foundation
import SluiceAPI
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// Runs on a server: the same reads and actions as on the local store, through the HTTP API.
enum RemoteRuns {
    static func runPath(_ id: String) -> String { "/api/v1/runs/\(segment(id))" }

    /// One path segment, percent-encoded: nested and map-item node ids (`sub/hold`, `m[1]`) stay one segment.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? text
    }

    static func view(_ client: RemoteClient, _ id: String) throws -> RunView {
        try client.decode(RunView.self, client.get(runPath(id)))
    }

    static func list(_ client: RemoteClient, states: [String] = [], flow: String? = nil, label: String? = nil, limit: Int) throws -> [RunRow] {
        var query = ["limit": String(min(limit, 1000))]
        if !states.isEmpty { query["state"] = states.joined(separator: ",") }
        if let flow { query["flow"] = flow }
        if let label { query["label"] = label }
        return try client.decode(RunPage.self, client.get("/api/v1/runs", query: query)).runs
    }

    static func newest(_ client: RemoteClient) throws -> String {
        guard let run = try list(client, limit: 1).first else {
            throw CLIError.input("no runs on \(client.base.absoluteString) yet; submit one with sluice submit FILE")
        }
        return run.id
    }

    static func submit(_ client: RemoteClient, flowText: String, inputs: [String: LiteralValue], runID: String?,
                       labels: [String: String] = [:]) throws -> Submitted {
        let body = SubmitRun(flow: flowText, inputs: inputs, run_id: runID, labels: labels.isEmpty ? nil : labels)
        return try client.decode(Submitted.self, client.post("/api/v1/runs", body))
    }

    /// Approves or rejects a gate; returns who the server recorded as deciding.
    static func decide(_ client: RemoteClient, runID: String, node: String, approved: Bool, comment: String?) throws -> String {
        let path = runPath(runID) + "/nodes/\(segment(node))/" + (approved ? "approve" : "reject")
        return try client.decode(Accepted.self, client.post(path, Decision(comment: comment))).by
    }

    /// Sends a signal as text (read by the gate's type on the server); returns the typed value.
    static func signal(_ client: RemoteClient, runID: String, id: String, text: String, comment: String?) throws -> LiteralValue {
        let body = SignalRequest(text: text, comment: comment)
        let accepted = try client.decode(Accepted.self, client.post(runPath(runID) + "/signals/\(segment(id))", body))
        return accepted.value ?? .string(text)
    }

    static func abort(_ client: RemoteClient, runID: String, reason: String) throws {
        _ = try client.decode(Accepted.self, client.post(runPath(runID) + "/abort", AbortRequest(reason: reason)))
    }

    static func gates(_ client: RemoteClient, runID: String) throws -> [PendingGate] {
        try client.decode(GatePage.self, client.get(runPath(runID) + "/gates")).gates
    }
}

extension PendingGate {
    /// One line for `sluice gates`: node, kind, the signal and its type, the gate's message.
    var text: String {
        var line = "\(node)  \(kind)"
        if let signal { line += "  \(signal)\(type.map { ": \($0)" } ?? "")" }
        if let message { line += "  \(message)" }
        return line
    }
}
