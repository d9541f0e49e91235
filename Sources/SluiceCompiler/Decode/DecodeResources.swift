import SluiceModel

extension FlowDecoder {
    static let amountKeys = ["cpu", "memory", "gpu", "ephemeral_storage"]

    /// `{cpu, memory, gpu, ephemeral_storage, accelerator}` sets requests and limits alike (as Flyte does);
    /// `{requests: {...}, limits: {...}, accelerator}` sets them apart.
    func resources(_ node: SourceNode, _ path: String) -> Resources? {
        guard let f = fields(node, path, known: Self.amountKeys + ["requests", "limits", "accelerator", "shm"], what: "resources") else { return nil }
        var r = Resources(accelerator: string(f, "accelerator"), shm: quantity(f, "shm"))
        let shorthand = resourceList(f)
        if f.has("requests") || f.has("limits") {
            for k in Self.amountKeys where f.has(k) {
                sink.report(.resources, path: f.path(k), "set '\(k)' under requests or limits when either is given")
            }
            r.requests = f["requests"].flatMap { n in fields(n, f.path("requests"), known: Self.amountKeys, what: "resource requests").map(resourceList) } ?? .init()
            r.limits = f["limits"].flatMap { n in fields(n, f.path("limits"), known: Self.amountKeys, what: "resource limits").map(resourceList) } ?? .init()
        } else {
            r.requests = shorthand
            r.limits = shorthand
        }
        checkResources(r, f)
        return r
    }

    private func resourceList(_ f: Fields) -> ResourceList {
        ResourceList(cpu: quantity(f, "cpu"), memory: quantity(f, "memory"), gpu: quantity(f, "gpu"),
                     ephemeralStorage: quantity(f, "ephemeral_storage"))
    }

    private func quantity(_ f: Fields, _ key: String) -> Quantity? {
        guard let node = f[key], let t = text(node, f.path(key), what: "a quantity such as 500m, 2, 4Gi") else { return nil }
        do {
            let q = try Quantity(parsing: t)
            if q.isNegative {
                sink.report(.invalidQuantity, at: node.location, path: f.path(key), "\(key) must not be negative (found \(t))")
                return nil
            }
            if key == "gpu", !q.isWhole {
                sink.report(.invalidQuantity, at: node.location, path: f.path(key), "GPU counts must be whole numbers (found \(t))")
                return nil
            }
            return q
        } catch {
            sink.report(.invalidQuantity, at: node.location, path: f.path(key), error.description)
            return nil
        }
    }

    private func checkResources(_ r: Resources, _ f: Fields) {
        for (name, request) in r.requests.entries {
            guard let limit = r.limits.entries.first(where: { $0.name == name })?.value else { continue }
            if request > limit {
                sink.report(.resources, path: FlowDecoder.join(f.path("requests"), name),
                            "\(name) request \(request) is above its limit \(limit)")
            }
        }
        if let g = r.requests.gpu, r.limits.gpu != nil, r.limits.gpu != g {
            sink.report(.resources, path: f.path("limits.gpu"), "GPU requests must equal GPU limits (Kubernetes extended resources)")
        } else if f.has("requests"), r.requests.gpu != nil, r.limits.gpu == nil {
            sink.report(.resources, path: f.path("limits"), "a GPU request needs the same GPU limit (Kubernetes extended resources)")
        }
    }
}
