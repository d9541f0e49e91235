import Foundation
import SluiceKube
#if canImport(Glibc)
import Glibc
#endif

/// A pod's volumes made real for `--run-commands`: each one a folder `<pod folder>/volumes/<volume>/`,
/// written before the containers start, and each container's `volumeMounts` as host folder -> container path.
///
/// `secret`, `configMap`, `downwardAPI` and `projected` volumes hold one file per key or item (`items`
/// pick and rename keys; `mode`, then `defaultMode`, then 0644 is the file mode) and are always mounted
/// read-only, as the kubelet does. `emptyDir` is an empty folder anyone may write (mode 0777), whatever its
/// `medium` (a plain folder here, not a tmpfs) and `sizeLimit` (not enforced: the kubelet would evict the
/// pod). `hostPath` is the host's own path. Other volume types are empty folders (a note says so). The
/// files are written once: later changes to a Secret or ConfigMap do not reach a running pod.
struct PodVolumes {
    /// Where one container sees one volume.
    struct Mount: Sendable, Equatable {
        var containerPath: String
        var hostPath: String
        var readOnly: Bool
    }

    /// Volume name -> its host folder, and whether the kubelet mounts it read-only whatever the mount says.
    var folders: [String: (path: String, readOnly: Bool)] = [:]
    /// What could not be honoured, one sentence each.
    var notes: [String] = []

    static func folder(podFolder: String, volume: String) -> String { podFolder + "/volumes/" + volume }

    /// The volumes' folders, without writing anything (enough to map paths).
    init(pod: JSONObject, podFolder: String) {
        for volume in pod["spec"]?["volumes"]?.arrayValue ?? [] {
            guard let name = volume["name"]?.stringValue else { continue }
            if let path = volume["hostPath"]?["path"]?.stringValue {
                folders[name] = (path, false)
                continue
            }
            let projectedKinds = ["secret", "configMap", "downwardAPI", "projected"]
            let readOnly = projectedKinds.contains { volume[$0] != nil }
            folders[name] = (Self.folder(podFolder: podFolder, volume: name), readOnly)
            if !readOnly, volume["emptyDir"] == nil {
                let kind = volume.objectValue?.keys.first { $0 != "name" } ?? "unknown"
                notes.append("volume \(name) (\(kind)) is not supported by kubesim; it is an empty folder")
            }
        }
    }

    /// Writes every volume's files (a Secret or ConfigMap that is missing but optional gives an empty folder;
    /// a required one has held the pod in ContainerCreating before it gets here).
    func materialize(_ sources: PodSources) {
        let files = FileManager.default
        for volume in sources.pod["spec"]?["volumes"]?.arrayValue ?? [] {
            guard let name = volume["name"]?.stringValue, let folder = folders[name], volume["hostPath"] == nil else { continue }
            try? files.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
            if !folder.readOnly {
                _ = chmod(folder.path, 0o777)
                continue
            }
            for (path, content, mode) in Self.files(of: volume, sources: sources) {
                let target = folder.path + "/" + path
                try? files.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                           withIntermediateDirectories: true)
                _ = files.createFile(atPath: target, contents: content)
                _ = chmod(target, mode_t(mode))
            }
        }
    }

    /// The files of a `secret`, `configMap`, `downwardAPI` or `projected` volume: path, bytes, mode.
    static func files(of volume: JSONValue, sources: PodSources) -> [(String, Data, Int)] {
        var out: [(String, Data, Int)] = []
        let fallbackMode = Int(volume.objectValue?.values.lazy.compactMap { $0["defaultMode"]?.intValue }.first ?? 0o644)
        var parts: [(kind: String, source: JSONValue)] = []
        for kind in ["secret", "configMap", "downwardAPI"] { if let source = volume[kind] { parts.append((kind, source)) } }
        for source in volume["projected"]?["sources"]?.arrayValue ?? [] {
            for kind in ["secret", "configMap", "downwardAPI", "serviceAccountToken"] {
                if let part = source[kind] { parts.append((kind, part)) }
            }
        }
        for (kind, source) in parts {
            switch kind {
            case "secret", "configMap":
                let type: SimResource = kind == "secret" ? .secrets : .configMaps
                let name = source[kind == "secret" && source["secretName"] != nil ? "secretName" : "name"]?.stringValue ?? ""
                guard let object = sources.store.get(type, namespace: sources.namespace, name: name)?.object else { continue }
                let data = PodSources.bytes(of: object, secret: type == .secrets)
                if let items = source["items"]?.arrayValue {
                    for item in items {
                        guard let key = item["key"]?.stringValue, let path = item["path"]?.stringValue, let bytes = data[key] else { continue }
                        out.append((path, bytes, Int(item["mode"]?.intValue ?? Int64(fallbackMode))))
                    }
                } else {
                    for (key, bytes) in data.sorted(by: { $0.key < $1.key }) { out.append((key, bytes, fallbackMode)) }
                }
            case "downwardAPI":
                for item in source["items"]?.arrayValue ?? [] {
                    guard let path = item["path"]?.stringValue else { continue }
                    let value = item["fieldRef"]?["fieldPath"]?.stringValue.flatMap(sources.field)
                        ?? item["resourceFieldRef"].flatMap { sources.resource($0, container: nil) } ?? ""
                    out.append((path, Data(value.utf8), Int(item["mode"]?.intValue ?? Int64(fallbackMode))))
                }
            default:
                // serviceAccountToken: no API server signs tokens here; a placeholder keeps readers going.
                let path = source["path"]?.stringValue ?? "token"
                out.append((path, Data("kubesim-service-account-token".utf8), fallbackMode))
            }
        }
        return out
    }

    /// Where `container` sees its volumes (`subPath` and `subPathExpr` pick a folder inside one).
    func mounts(for container: JSONValue, environment: [String: String]) -> [Mount] {
        (container["volumeMounts"]?.arrayValue ?? []).compactMap { mount in
            guard let name = mount["name"]?.stringValue, let folder = folders[name],
                  let path = mount["mountPath"]?.stringValue else { return nil }
            var host = folder.path
            if let sub = mount["subPath"]?.stringValue ?? mount["subPathExpr"]?.stringValue.map({ ContainerCommand.expand($0, environment) }),
               !sub.isEmpty {
                host += "/" + sub
            }
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            return Mount(containerPath: trimmed, hostPath: host, readOnly: folder.readOnly || mount["readOnly"]?.boolValue == true)
        }
    }
}
