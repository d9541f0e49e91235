import SluiceKube

/// The ConfigMaps and Secrets a pod needs before its containers can start, and what a kubelet says
/// when one is missing.
enum PodConfiguration {
    /// Why a pod cannot start yet.
    enum Problem: Equatable {
        /// A volume cannot be set up: the pod stays ContainerCreating with FailedMount events
        /// (pkg/volume/configmap, pkg/volume/secret; operation_generator.go "MountVolume.SetUp failed").
        case mount(volume: String, message: String)
        /// A container's configuration cannot be made: CreateContainerConfigError. Its environment lacks a
        /// ConfigMap or Secret (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables), or it must not run
        /// as root and would (kuberuntime/security_context_others.go verifyRunAsNonRoot).
        case env(container: String, message: String)
    }

    /// The first missing volume source, else the first container (init containers first) whose env is
    /// incomplete or that would break `runAsNonRoot` (`imageUser` says who an image runs as, empty for
    /// root); nil when everything is there. `optional: true` references may be missing.
    static func problem(_ pod: JSONObject, store: ObjectStore, imageUser: (String) -> String = { _ in "" }) -> Problem? {
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        func object(_ type: SimResource, _ name: String) -> JSONObject? { store.get(type, namespace: namespace, name: name)?.object }
        for volume in pod["spec"]?["volumes"]?.arrayValue ?? [] {
            let name = volume["name"]?.stringValue ?? ""
            var sources: [(SimResource, JSONValue)] = []
            if let cm = volume["configMap"] { sources.append((.configMaps, cm)) }
            if let secret = volume["secret"] { sources.append((.secrets, secret)) }
            for source in volume["projected"]?["sources"]?.arrayValue ?? [] {
                if let cm = source["configMap"] { sources.append((.configMaps, cm)) }
                if let secret = source["secret"] { sources.append((.secrets, secret)) }
            }
            for (type, source) in sources {
                let ref = source[type == .secrets && source["secretName"] != nil ? "secretName" : "name"]?.stringValue ?? ""
                let optional = source["optional"]?.boolValue ?? false
                guard let found = object(type, ref) else {
                    if optional { continue }
                    return .mount(volume: name, message: "MountVolume.SetUp failed for volume \"\(name)\" : \(notFound(type, ref))")
                }
                for item in source["items"]?.arrayValue ?? [] {
                    let key = item["key"]?.stringValue ?? ""
                    if !has(found, key: key), !optional {
                        let what = type == .secrets ? "secret" : "configmap"
                        return .mount(volume: name, message: "MountVolume.SetUp failed for volume \"\(name)\" : "
                                      + "\(what) references non-existent config key: \(key)")
                    }
                }
            }
        }
        let containers = (pod["spec"]?["initContainers"]?.arrayValue ?? []) + (pod["spec"]?["containers"]?.arrayValue ?? [])
        for container in containers {
            if let message = envProblem(container, namespace: namespace, object: object)
                ?? nonRootProblem(pod, container: container, imageUser: imageUser(container["image"]?.stringValue ?? "")) {
                return .env(container: container["name"]?.stringValue ?? "", message: message)
            }
        }
        return nil
    }

    static func envProblem(_ container: JSONValue, namespace: String,
                           object: (SimResource, String) -> JSONObject?) -> String? {
        for env in container["env"]?.arrayValue ?? [] {
            for (field, type, kind) in [("configMapKeyRef", SimResource.configMaps, "ConfigMap"), ("secretKeyRef", .secrets, "Secret")] {
                guard let ref = env["valueFrom"]?[field] else { continue }
                let name = ref["name"]?.stringValue ?? ""
                let key = ref["key"]?.stringValue ?? ""
                let optional = ref["optional"]?.boolValue ?? false
                guard let found = object(type, name) else {
                    if optional { continue }
                    return notFound(type, name)
                }
                if !has(found, key: key), !optional { return "couldn't find key \(key) in \(kind) \(namespace)/\(name)" }
            }
        }
        for source in container["envFrom"]?.arrayValue ?? [] {
            for (field, type) in [("configMapRef", SimResource.configMaps), ("secretRef", .secrets)] {
                guard let ref = source[field] else { continue }
                let name = ref["name"]?.stringValue ?? ""
                if object(type, name) == nil, !(ref["optional"]?.boolValue ?? false) { return notFound(type, name) }
            }
        }
        return nil
    }

    /// verifyRunAsNonRoot's refusal: runAsNonRoot (container over pod) with a runAsUser of 0, or without a
    /// runAsUser and an image whose user is root or a name (which cannot be checked).
    static func nonRootProblem(_ pod: JSONObject, container: JSONValue, imageUser: String) -> String? {
        let own = container["securityContext"]
        let podContext = pod["spec"]?["securityContext"]
        guard (own?["runAsNonRoot"] ?? podContext?["runAsNonRoot"])?.boolValue == true else { return nil }
        let meta = pod["metadata"]
        // format.Pod: name_namespace(uid).
        let described = "\(meta?["name"]?.stringValue ?? "")_\(meta?["namespace"]?.stringValue ?? "default")(\(meta?["uid"]?.stringValue ?? ""))"
        let where_ = "(pod: \"\(described)\", container: \(container["name"]?.stringValue ?? ""))"
        if let user = (own?["runAsUser"] ?? podContext?["runAsUser"])?.intValue {
            return user == 0 ? "container's runAsUser breaks non-root policy \(where_)" : nil
        }
        let name = String(imageUser.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if name.isEmpty || Int(name) == 0 { return "container has runAsNonRoot and image will run as root \(where_)" }
        if Int(name) == nil {
            return "container has runAsNonRoot and image has non-numeric user (\(name)), cannot verify user is non-root \(where_)"
        }
        return nil
    }

    /// `configmap "x" not found`, `secret "x" not found`: the API's NotFound message the kubelet passes on.
    static func notFound(_ type: SimResource, _ name: String) -> String {
        "\(type.singular) \"\(name)\" not found"
    }

    static func has(_ object: JSONObject, key: String) -> Bool {
        object["data"]?[key] != nil || object["binaryData"]?[key] != nil || object["stringData"]?[key] != nil
    }
}
