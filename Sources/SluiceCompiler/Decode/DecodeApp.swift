import SluiceModel

extension FlowDecoder {
    static let appKeys = ["name", "image", "command", "args", "env", "secrets", "port", "resources", "replicas", "health", "startup_grace", "request_timeout", "public"]

    /// The `apps:` list.
    func apps(_ node: SourceNode, _ path: String) -> [AppSpec] {
        guard case .sequence(let items, _) = node else {
            wrongShape(node, path, expected: "a list of apps")
            return []
        }
        var seen: [String: Int] = [:]
        return items.enumerated().compactMap { i, item in
            let p = Self.index(path, i)
            guard let f = fields(item, p, known: Self.appKeys, what: "an app"),
                  let name = string(f, "name", required: "the app's name") else { return nil }
            checkDNSLabel(name, at: f["name"]!.location, f.path("name"), what: "app name")
            if let first = seen[name] {
                sink.report(.duplicateID, at: f["name"]!.location, path: f.path("name"),
                            "app '\(name)' is already defined at apps[\(first)]")
            }
            seen[name] = i
            return app(name, f)
        }
    }

    private func app(_ name: String, _ f: Fields) -> AppSpec {
        let ((image, command), reported) = reporting { (string(f, "image"), stringList(f, "command") ?? []) }
        var a = AppSpec(name: name, image: image, command: command, args: stringList(f, "args") ?? [], env: env(f, "env"), secrets: secrets(f))
        // By the written entries, so the index is the entry's even when an earlier one was malformed.
        if case .sequence(let items, _)? = f["secrets"] {
            for (i, item) in items.enumerated() {
                guard case .mapping(let entries, _) = item, let env = entries.first(where: { $0.key.text == "env" })?.value,
                      let variable = env.scalar?.text, ["PORT", "SLUICE_APP", "SLUICE_REPLICA"].contains(variable) else { continue }
                sink.report(.invalidValue, at: env.location, path: Self.index(f.path("secrets"), i) + ".env",
                            "\(variable) is set by the server for each replica (the port it must listen on, the app, the replica number)")
            }
        }
        for e in a.env where ["PORT", "SLUICE_APP", "SLUICE_REPLICA"].contains(e.name) {
            sink.report(.invalidValue, path: f.path("env") + "." + e.name,
                        "\(e.name) is set by the server for each replica (the port it must listen on, the app, the replica number)")
        }
        if let port = int(f, "port", minimum: 1) {
            if port > 65535 {
                sink.report(.invalidValue, path: f.path("port"), "port must be from 1 to 65535 (found \(port))")
            }
            a.port = port
        }
        a.resources = f["resources"].flatMap { resources($0, f.path("resources")) } ?? Resources()
        if let r = f["replicas"] {
            if case .int(let n) = r.scalar?.plainValue {
                if n < 1 {
                    sink.report(.invalidValue, at: r.location, path: f.path("replicas"),
                                "replicas must be at least 1 (found \(r.scalar!.text)); to scale to zero when idle, write {min: 0, max: N}")
                } else {
                    a.replicas = ReplicaPolicy(min: n, max: n)
                }
            } else if let rf = fields(r, f.path("replicas"), known: ["min", "max", "target_concurrency"], what: "replicas") {
                let min = int(rf, "min", minimum: 0) ?? 1
                a.replicas = ReplicaPolicy(min: min, max: int(rf, "max", minimum: 1) ?? max(min, 1),
                                           targetConcurrency: int(rf, "target_concurrency", minimum: 1))
                if a.replicas.max < a.replicas.min {
                    sink.report(.invalidValue, path: rf.path("max"), "max replicas (\(a.replicas.max)) is below min (\(a.replicas.min))")
                }
            }
        }
        if let h = f["health"] {
            if h.scalar != nil, let path = text(h, f.path("health")) {
                a.health.path = path
            } else if let hf = fields(h, f.path("health"), known: ["path", "interval", "timeout", "failures"], what: "a health check") {
                a.health.path = string(hf, "path") ?? a.health.path
                for (key, keyPath) in [("interval", \HealthCheck.interval), ("timeout", \HealthCheck.timeout)] {
                    guard let d = duration(hf, key) else { continue }
                    if let problem = Self.appDurationProblem(d) {
                        sink.report(.invalidValue, path: hf.path(key), "health \(key) \(problem) (found \(d))")
                    } else {
                        a.health[keyPath: keyPath] = d
                    }
                }
                a.health.failures = int(hf, "failures", minimum: 1) ?? a.health.failures
            }
            if !a.health.path.hasPrefix("/") {
                sink.report(.invalidValue, path: f.path("health"), "health path must start with '/' (found '\(a.health.path)')")
            }
        }
        for (key, keyPath) in [("startup_grace", \AppSpec.startupGrace), ("request_timeout", \AppSpec.requestTimeout)] {
            guard let d = duration(f, key) else { continue }
            if let problem = Self.appDurationProblem(d) {
                sink.report(.invalidValue, path: f.path(key), "\(key) \(problem) (found \(d))")
            } else {
                a[keyPath: keyPath] = d
            }
        }
        a.isPublic = bool(f, "public") ?? false
        if a.image == nil && a.command.isEmpty && !reported {
            sink.report(.missingKey, at: f.location, path: f.path, "an app needs 'command' (and 'image' for container backends)")
        }
        return a
    }

    /// The app's times (health interval and timeout, startup grace, request timeout) are waits the server runs:
    /// longer than 0 and at most a day.
    static func appDurationProblem(_ d: DurationValue) -> String? {
        if d.milliseconds <= 0 { return "must be longer than 0" }
        if d.milliseconds > 86_400_000 { return "must be at most 1d" }
        return nil
    }
}
