import Foundation
import SluiceAPI

/// The `/api/v1/apps` endpoints, for `sluice apps`.
enum RemoteApps {
    static func path(_ name: String) -> String { "/api/v1/apps/" + RemoteRuns.segment(name) }

    static func deploy(_ client: RemoteClient, file: String, filename: String) throws -> [AppView] {
        try client.decode(AppList.self, client.post("/api/v1/apps", DeployApps(file: file, filename: filename))).apps
    }

    static func list(_ client: RemoteClient) throws -> [AppView] {
        try client.decode(AppList.self, client.get("/api/v1/apps")).apps
    }

    static func status(_ client: RemoteClient, name: String) throws -> AppView {
        try client.decode(AppView.self, client.get(path(name)))
    }

    static func scale(_ client: RemoteClient, name: String, replicas: Int) throws -> AppView {
        try client.decode(AppView.self, client.post(path(name) + "/scale", ScaleApp(replicas: replicas)))
    }

    /// `stop` or `start`.
    static func change(_ client: RemoteClient, name: String, _ verb: String) throws -> AppView {
        try client.decode(AppView.self, client.post(path(name) + "/" + verb, EmptyBody()))
    }

    static func delete(_ client: RemoteClient, name: String) throws {
        _ = try client.delete(path(name))
    }

    /// Prints replica `replica`'s log; with `follow`, keeps printing until interrupted or the app is deleted.
    static func logs(_ client: RemoteClient, name: String, replica: Int, follow: Bool) throws {
        var query = ["replica": String(replica)]
        guard follow else {
            LogOutput.write(try client.get(path(name) + "/logs", query: query))
            return
        }
        query["follow"] = "true"
        var request = client.request("GET", path(name) + "/logs", query: query)
        request.timeout = 24 * 3600
        switch StreamingRequest(onChunk: { LogOutput.write($0) }).run(request) {
        case .ended: return
        case .reply(let status, let body): try client.check(status, body)
        case .failed(let error): throw client.unreachable(error)
        }
    }

    private struct EmptyBody: Encodable {}
}
