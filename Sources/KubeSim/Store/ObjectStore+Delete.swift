import SluiceKube

extension ObjectStore {
    /// Deletes an object, graceful for scheduled pods, and garbage-collects its dependents.
    @discardableResult
    public func delete(_ type: SimResource, namespace: String?, name: String,
                       options: DeleteOptions = DeleteOptions()) throws(SimStatusError) -> DeleteResult {
        let key = ObjectKey.make(type.namespaced ? namespace : nil, name)
        var expiries: [PodExpiry] = []
        let result = try state.withLock { (s: inout StoreState) throws(SimStatusError) -> DeleteResult in
            guard let existing = s.get(type, key) else { throw .notFound(type, name) }
            if let uid = options.preconditionUID, uid != existing.uid {
                throw .conflict(type, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(existing.uid ?? "")")
            }
            if let rv = options.preconditionResourceVersion, rv != String(existing.resourceVersion) {
                throw .conflict(type, name, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(existing.resourceVersion)")
            }
            if options.write.dryRun { return .deleted(existing) }
            return deleteLocked(&s, existing, grace: options.gracePeriodSeconds, policy: options.propagationPolicy ?? .background,
                                user: options.write.user, expiries: &expiries)
        }
        scheduleExpiries(expiries)
        return result
    }

    struct PodExpiry {
        let key: String
        let uid: String
        let seconds: Int64
    }

    func deleteLocked(_ s: inout StoreState, _ existing: StoredObject, grace: Int64?, policy: PropagationPolicy,
                      user: String, expiries: inout [PodExpiry]) -> DeleteResult {
        var object = existing.object
        let meta = object.metadata
        if existing.type == .pods {
            let grace = grace ?? object["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30
            let scheduled = !(object["spec"]?["nodeName"]?.stringValue ?? "").isEmpty
            let phase = object["status"]?["phase"]?.stringValue ?? ""
            if grace > 0, scheduled, phase != "Succeeded", phase != "Failed" {
                if let current = meta["deletionGracePeriodSeconds"]?.intValue, current <= grace { return .pending(existing) }
                object.setMetadata("deletionTimestamp", .string(WallClock.rfc3339(WallClock.nowSeconds + grace)))
                object.setMetadata("deletionGracePeriodSeconds", .int(grace))
                let stored = s.put(.pods, object, previous: existing, verb: "delete", user: user)
                expiries.append(PodExpiry(key: existing.key, uid: existing.uid ?? "", seconds: grace))
                return .pending(stored)
            }
        }
        let finalizers = (meta["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        if policy == .foreground, let uid = existing.uid, !s.dependentsOf(uid).isEmpty {
            object.setMetadata("finalizers", .array((finalizers + ["foregroundDeletion"]).map(JSONValue.string)))
            object.setMetadata("deletionTimestamp", .string(WallClock.rfc3339()))
            object.setMetadata("deletionGracePeriodSeconds", .int(0))
            var marked = s.put(existing.type, object, previous: existing, verb: "delete", user: user)
            for dependent in s.dependentsOf(uid) {
                _ = deleteLocked(&s, dependent, grace: nil, policy: .foreground, user: user, expiries: &expiries)
            }
            if !finalizers.isEmpty {
                var remaining = marked.object
                remaining.setMetadata("finalizers", .array(finalizers.map(JSONValue.string)))
                marked = s.put(existing.type, remaining, previous: marked, verb: "delete", user: user)
                return .pending(marked)
            }
            return .deleted(s.remove(marked, verb: "delete", user: user))
        }
        if !finalizers.isEmpty {
            if meta["deletionTimestamp"] != nil { return .pending(existing) }
            object.setMetadata("deletionTimestamp", .string(WallClock.rfc3339()))
            object.setMetadata("deletionGracePeriodSeconds", .int(0))
            return .pending(s.put(existing.type, object, previous: existing, verb: "delete", user: user))
        }
        if existing.type == .namespaces {
            for type in resources where type.namespaced {
                for child in s.list(type, namespace: existing.name) { s.remove(child, verb: "delete", user: user) }
            }
        }
        if policy == .orphan, let uid = existing.uid {
            for dependent in s.dependentsOf(uid) {
                var freed = dependent.object
                let refs = (freed["metadata"]?["ownerReferences"]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
                freed.setMetadata("ownerReferences", refs.isEmpty ? nil : .array(refs))
                s.put(dependent.type, freed, previous: dependent, verb: "update", user: "system:serviceaccount:kube-system:generic-garbage-collector")
            }
        }
        let removed = s.remove(existing, verb: "delete", user: user)
        if policy != .orphan { collectDependents(&s, of: existing, expiries: &expiries) }
        return .deleted(removed)
    }

    /// The garbage collector's background propagation: dependents of a removed object whose owners are
    /// all gone are deleted too.
    func collectDependents(_ s: inout StoreState, of removed: StoredObject, expiries: inout [PodExpiry]) {
        guard let uid = removed.uid else { return }
        for dependent in s.dependentsOf(uid) where StoreState.ownerUIDs(dependent).allSatisfy({ $0 == uid || !s.ownerExists($0) }) {
            _ = deleteLocked(&s, dependent, grace: nil, policy: .background,
                             user: "system:serviceaccount:kube-system:generic-garbage-collector", expiries: &expiries)
        }
    }

    func scheduleExpiries(_ expiries: [PodExpiry]) {
        guard expireTerminatingPods else { return }
        for expiry in expiries {
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(expiry.seconds))
                self?.expire(expiry)
            }
        }
    }

    /// The garbage collector's check of a new dependent: when none of its owners exists (it was deleted
    /// before the dependent was created), the dependent is deleted shortly after, as the real collector does.
    func collectIfDangling(_ created: StoredObject) {
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(500))
            guard let self else { return }
            var expiries: [PodExpiry] = []
            self.state.withLock { s in
                guard let current = s.get(created.type, created.key), current.uid == created.uid else { return }
                let owners = StoreState.ownerUIDs(current)
                guard !owners.isEmpty, !owners.contains(where: s.ownerExists) else { return }
                _ = self.deleteLocked(&s, current, grace: nil, policy: .background,
                                      user: "system:serviceaccount:kube-system:generic-garbage-collector", expiries: &expiries)
            }
            self.scheduleExpiries(expiries)
        }
    }

    /// Removes a terminating pod whose grace period is over, if it is still the same pod.
    func expire(_ expiry: PodExpiry) {
        var expiries: [PodExpiry] = []
        state.withLock { s in
            guard let pod = s.get(.pods, expiry.key), pod.uid == expiry.uid, pod.object.metadataString("deletionTimestamp") != nil else { return }
            s.remove(pod, verb: "delete", user: "system:kubesim:grace-period")
            collectDependents(&s, of: pod, expiries: &expiries)
        }
        scheduleExpiries(expiries)
    }
}

extension StoreState {
    /// Whether any stored object has this uid (an owner still present).
    func ownerExists(_ uid: String) -> Bool {
        tables.values.contains { table in table.values.contains { $0.uid == uid } }
    }
}
