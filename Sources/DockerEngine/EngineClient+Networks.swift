import Foundation
import SluiceKube

/// A network of the engine, as `GET /networks/{name}` describes it.
public struct NetworkInfo: Sendable, Hashable {
    public var name: String
    public var driver: String
    /// The gateway address of each of its subnets (IPAM config), in the engine's order: the host's own address on
    /// that network, which its containers reach.
    public var gateways: [String]
}

extension EngineClient {
    /// The network named `name`, or nil when the engine has none. `bridge` is Docker's default network, and Podman
    /// answers for its default network (`podman`) under that name as well: the network a container with
    /// `NetworkMode: bridge` joins on either engine.
    public func network(_ name: String) async throws -> NetworkInfo? {
        let r = try await call("GET", "/networks/\(EngineClient.escape(name))", accept: [404])
        if r.status == 404 { return nil }
        let v = try EngineClient.parse(r.body, "GET /networks/\(name)")
        let configs = v["IPAM"]?["Config"]?.arrayValue ?? []
        return NetworkInfo(name: v["Name"]?.stringValue ?? name, driver: v["Driver"]?.stringValue ?? "",
                           gateways: configs.compactMap { $0["Gateway"]?.stringValue }.filter { !$0.isEmpty })
    }
}
