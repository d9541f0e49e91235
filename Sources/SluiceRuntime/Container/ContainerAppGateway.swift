import DockerEngine
import Foundation
import SluiceModel

/// How a task container reaches the server's app gateway for `uses: [NAME]`: the container backend starts such a
/// task on the engine's bridge network (`ContainerBackend.appNetwork`) instead of none, and points
/// `SLUICE_APP_<NAME>_URL` at `baseURL()` + `/apps/NAME`: a listener of the server on that network which serves
/// only the gateway routes of public apps (`sluice serve` opens it; see `ContainerNetworkGateway`).
public protocol ContainerAppGateway: Sendable {
    /// The gateway's base URL as containers on the bridge network reach it (`http://10.88.0.1:PORT`); opens the
    /// listener when it is not open yet, and throws why there is none.
    func baseURL() async throws(BackendError) -> String
}

extension ContainerBackend {
    /// The network a task that `uses:` an app joins: Docker's default network, and Podman's default network
    /// (`podman`), which Podman's Docker API also answers to under this name.
    public static let appNetwork = "bridge"

    /// Gives the backend the server's app gateway on the bridge network (nil: none; a task that `uses:` an app
    /// then fails to start, naming why).
    public func attach(appGateway: (any ContainerAppGateway)?) {
        state.withLock { $0.appGateway = appGateway }
    }

    /// The host's own address on `appNetwork` (its IPv4 gateway), which containers on that network reach.
    public func bridgeGatewayAddress() async throws(BackendError) -> String {
        let found: NetworkInfo?
        do { found = try await client.network(Self.appNetwork) } catch {
            throw BackendError("cannot look up the container network '\(Self.appNetwork)' at \(client.endpoint): \(Self.reason(error))")
        }
        guard let found else {
            throw BackendError("the container engine at \(client.endpoint) has no network '\(Self.appNetwork)' (Docker's default "
                               + "bridge network; Podman's default network answers to that name); a task that uses an app joins it", kind: .user)
        }
        guard let address = found.gateways.first(where: { Self.isIPv4($0) }) else {
            throw BackendError("the container network '\(found.name)' has no IPv4 gateway address (its subnets: \(found.gateways)); "
                               + "a task that uses an app reaches the server there", kind: .user)
        }
        return address
    }

    /// `plan` with `SLUICE_APP_<NAME>_URL` of each app it uses pointing at the server's app gateway on the bridge
    /// network (the controller's values name the server's loopback address, which a container does not reach).
    func pointingAtApps(_ plan: ContainerPlan) async -> Result<ContainerPlan, BackendError> {
        guard !plan.usedApps.isEmpty else { return .success(plan) }
        guard let gateway = state.withLock({ $0.appGateway }) else {
            return .failure(BackendError("task uses apps (\(plan.usedApps.joined(separator: ", "))), and this container backend has no app "
                                         + "gateway on the container network: `uses:` needs `sluice serve --backend container`", kind: .user))
        }
        let base: String
        do { base = try await gateway.baseURL() } catch { return .failure(error) }
        var plan = plan
        for app in plan.usedApps { plan.config.env[AppDeploy.urlVariable(app)] = AppDeploy.url(base: base, app: app) }
        return .success(plan)
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }
}
