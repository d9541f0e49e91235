import Foundation
import SluiceAPI

/// API tokens on a server, through its admin endpoints: the same operations as `sluice token` on the local store.
enum RemoteTokens {
    static let path = "/api/v1/tokens"

    static func create(_ client: RemoteClient, name: String, role: String) throws -> TokenIssued {
        try client.decode(TokenIssued.self, client.post(path, CreateToken(name: name, role: role)))
    }

    static func list(_ client: RemoteClient) throws -> [TokenView] {
        try client.decode(TokenList.self, client.get(path)).tokens
    }

    static func revoke(_ client: RemoteClient, idOrName: String) throws -> TokenView {
        try client.decode(TokenView.self, client.delete(path + "/" + RemoteRuns.segment(idOrName)))
    }
}
