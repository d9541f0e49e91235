/// One kind of object the simulated API server stores (pods, apps/v1 deployments, ...).
public struct SimResource: Sendable, Hashable, CustomStringConvertible {
    /// API group; "" for the core group.
    public let group: String
    public let version: String
    /// The plural resource name used in paths (`pods`).
    public let plural: String
    public let singular: String
    public let kind: String
    public let namespaced: Bool
    public let shortNames: [String]
    /// Subresources served besides the object itself (`status`, `log`, `scale`).
    public let subresources: [String]
    /// Whether a plain update ignores `status` (the resource has a status subresource).
    public var hasStatus: Bool { subresources.contains("status") }

    public init(group: String, version: String, plural: String, singular: String, kind: String,
                namespaced: Bool = true, shortNames: [String] = [], subresources: [String] = []) {
        self.group = group
        self.version = version
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.subresources = subresources
    }

    public static func == (lhs: SimResource, rhs: SimResource) -> Bool { lhs.group == rhs.group && lhs.plural == rhs.plural }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(group)
        hasher.combine(plural)
    }

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `pods`, `deployments.apps`: how errors name the resource.
    public var qualifiedResource: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// `Pod`, `Deployment.apps`: how Invalid errors name the kind.
    public var qualifiedKind: String { group.isEmpty ? kind : "\(kind).\(group)" }
    public var description: String { qualifiedResource }
}

extension SimResource {
    public static let namespaces = SimResource(group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace",
                                                namespaced: false, shortNames: ["ns"], subresources: ["status"])
    public static let pods = SimResource(group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod",
                                          shortNames: ["po"], subresources: ["status", "log"])
    public static let services = SimResource(group: "", version: "v1", plural: "services", singular: "service", kind: "Service",
                                              shortNames: ["svc"], subresources: ["status"])
    public static let endpoints = SimResource(group: "", version: "v1", plural: "endpoints", singular: "endpoints", kind: "Endpoints",
                                               shortNames: ["ep"])
    public static let events = SimResource(group: "", version: "v1", plural: "events", singular: "event", kind: "Event", shortNames: ["ev"])
    public static let configMaps = SimResource(group: "", version: "v1", plural: "configmaps", singular: "configmap", kind: "ConfigMap",
                                                shortNames: ["cm"])
    public static let nodes = SimResource(group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node",
                                           namespaced: false, shortNames: ["no"], subresources: ["status"])
    public static let secrets = SimResource(group: "", version: "v1", plural: "secrets", singular: "secret", kind: "Secret")
    public static let serviceAccounts = SimResource(group: "", version: "v1", plural: "serviceaccounts", singular: "serviceaccount",
                                                     kind: "ServiceAccount", shortNames: ["sa"])
    public static let deployments = SimResource(group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment",
                                                 shortNames: ["deploy"], subresources: ["status", "scale"])
    public static let replicaSets = SimResource(group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", kind: "ReplicaSet",
                                                 shortNames: ["rs"], subresources: ["status", "scale"])
    public static let jobs = SimResource(group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job",
                                          subresources: ["status"])
    public static let leases = SimResource(group: "coordination.k8s.io", version: "v1", plural: "leases", singular: "lease", kind: "Lease")
    /// Served over HTTP as a view of `.events` (nothing is stored under this type).
    public static let eventsV1 = SimResource(group: "events.k8s.io", version: "v1", plural: "events", singular: "event", kind: "Event",
                                              shortNames: ["ev"])

    /// Answered at once from the caller's permissions (`kubectl auth can-i`); nothing is stored.
    public static let selfSubjectAccessReviews = SimResource(group: "authorization.k8s.io", version: "v1",
                                                             plural: "selfsubjectaccessreviews", singular: "selfsubjectaccessreview",
                                                             kind: "SelfSubjectAccessReview", namespaced: false)

    public static let customResourceDefinitions = SimResource(group: "apiextensions.k8s.io", version: "v1",
                                                              plural: "customresourcedefinitions", singular: "customresourcedefinition",
                                                              kind: "CustomResourceDefinition", namespaced: false,
                                                              shortNames: ["crd", "crds"], subresources: ["status"])

    /// Every built-in resource the server knows, in discovery order (a store adds its custom ones).
    public static let all: [SimResource] = [.namespaces, .nodes, .pods, .services, .endpoints, .events, .configMaps,
                                             .secrets, .serviceAccounts, .deployments, .replicaSets, .jobs, .leases, .eventsV1,
                                             .selfSubjectAccessReviews, .customResourceDefinitions]

    /// The resource for a path's group, version and plural name.
    public static func find(group: String, version: String, plural: String) -> SimResource? {
        all.first { $0.group == group && $0.version == version && $0.plural == plural }
    }
}
