import Foundation
import SluiceKube

/// CustomResourceDefinitions (apiextensions.k8s.io/v1): each established definition makes its kind
/// served by the store, with discovery, every verb, watch and the status subresource; a removed
/// definition takes its objects with it (and the garbage collector their dependents).
///
/// Run after every write to a definition, so a client may create objects as soon as its create returns.
public enum CustomResources {
    /// Registers the kind of every stored definition, writes the status the apiextensions server
    /// writes (accepted names, NamesAccepted and Established), and drops kinds whose definition is gone.
    public static func sync(_ store: ObjectStore, now: Date = Date()) {
        var defined: [SimResource] = []
        for stored in store.list(.customResourceDefinitions, namespace: nil).items {
            guard let type = resource(stored.object), stored.object.metadataString("deletionTimestamp") == nil else { continue }
            defined.append(type)
            store.register(type)
            let status = status(stored.object, type: type, now: now)
            if status != stored.object["status"]?.objectValue {
                _ = try? store.modify(.customResourceDefinitions, namespace: nil, name: stored.name, subresource: .status,
                                      options: WriteOptions(user: "system:apiserver")) { $0["status"] = .object(status) }
            }
        }
        for type in store.customResources.withLock({ $0 }) where !defined.contains(type) {
            store.unregister(type)
            for object in store.list(type, namespace: nil).items {
                _ = try? store.delete(type, namespace: object.namespace, name: object.name,
                                      options: DeleteOptions(gracePeriodSeconds: 0, write: WriteOptions(user: "system:apiserver")))
            }
        }
    }

    /// The served kind a definition describes: its storage version (or first served one).
    static func resource(_ crd: JSONObject) -> SimResource? {
        let spec = crd["spec"]
        let names = spec?["names"]
        guard let group = spec?["group"]?.stringValue, let plural = names?["plural"]?.stringValue,
              let kind = names?["kind"]?.stringValue else { return nil }
        let versions = spec?["versions"]?.arrayValue ?? []
        guard let version = versions.first(where: { $0["storage"] == true }) ?? versions.first(where: { $0["served"] == true }),
              let versionName = version["name"]?.stringValue else { return nil }
        return SimResource(group: group, version: versionName, plural: plural,
                           singular: names?["singular"]?.stringValue ?? kind.lowercased(), kind: kind,
                           namespaced: spec?["scope"]?.stringValue != "Cluster",
                           shortNames: (names?["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
                           subresources: version["subresources"]?["status"] != nil ? ["status"] : [])
    }

    /// The status the apiextensions server writes once the names are accepted.
    static func status(_ crd: JSONObject, type: SimResource, now: Date) -> JSONObject {
        var accepted = crd["spec"]?["names"]?.objectValue ?? JSONObject()
        if accepted["singular"] == nil { accepted["singular"] = .string(type.singular) }
        if accepted["listKind"] == nil { accepted["listKind"] = .string("\(type.kind)List") }
        let previous = crd["status"]?["conditions"]?.arrayValue ?? []
        func condition(_ kind: String, _ reason: String, _ message: String) -> JSONValue {
            if let old = previous.first(where: { $0["type"]?.stringValue == kind && $0["status"] == "True" }) { return old }
            return ["type": .string(kind), "status": "True", "lastTransitionTime": KubeTime.json(now),
                    "reason": .string(reason), "message": .string(message)]
        }
        return ["conditions": [condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                               condition("Established", "InitialNamesAccepted", "the initial names have been accepted")],
                "acceptedNames": .object(accepted), "storedVersions": [.string(type.version)]]
    }

    /// pkg/apis/apiextensions/validation: the name is `<plural>.<group>`, the scope one of two, a version.
    static func validate(_ crd: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = crd["spec"]
        let group = spec?["group"]?.stringValue ?? ""
        let plural = spec?["names"]?["plural"]?.stringValue ?? ""
        if group.isEmpty { errors.append(.required("spec.group")) }
        if plural.isEmpty { errors.append(.required("spec.names.plural")) }
        if (spec?["names"]?["kind"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.names.kind")) }
        if let name = crd.metadataString("name"), !group.isEmpty, !plural.isEmpty, name != "\(plural).\(group)" {
            errors.append(.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group"))
        }
        if !["Namespaced", "Cluster"].contains(spec?["scope"]?.stringValue ?? "") {
            errors.append(.notSupported("spec.scope", spec?["scope"], ["Cluster", "Namespaced"]))
        }
        let versions = spec?["versions"]?.arrayValue ?? []
        if versions.isEmpty { errors.append(.invalid("spec.versions", .array([]), "must have exactly one version marked as storage version")) }
        if versions.filter({ $0["storage"] == true }).count != 1, !versions.isEmpty {
            errors.append(.invalid("spec.versions", nil, "must have exactly one version marked as storage version"))
        }
        return errors
    }
}
