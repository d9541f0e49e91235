/// Who may drive runs when several controllers could: on Kubernetes a coordination.k8s.io Lease (`KubeLeadership`).
/// A server with a leadership starts its controller only once it leads, and stops when it stops leading.
public protocol Leadership: Sendable {
    /// Campaigns until cancelled: `lead` once this process holds the leadership, `lost` when it no longer does.
    func run(lead: @escaping @Sendable () -> Void, lost: @escaping @Sendable () -> Void) async
    /// Whether this process leads now.
    var isLeader: Bool { get }
    /// Who leads, as last seen ("" when unknown).
    var leader: String { get }
}
