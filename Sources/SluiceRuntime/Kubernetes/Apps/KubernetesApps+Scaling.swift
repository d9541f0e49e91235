import Foundation
import SluiceKube
import SluiceModel
import SluiceStore

/// Autoscaling and scale to zero on Kubernetes, driven by this server's gateway as on the local backend: the same
/// `ConcurrencyScaler` decides, and a decision is recorded in the store (so a restart or another server's reconcile
/// keeps it) and then patched into the Deployment's `spec.replicas`. Only the server that leads scales.
extension KubernetesApps {
    /// Keeps a `KubeAppScaling` for each running app (a new one when its spec changes), with its loop when the app
    /// scales; a stopped app has none.
    nonisolated func track(_ spec: AppSpec, running: Bool) {
        let (added, removed) = scalings.withLock { s -> (KubeAppScaling?, KubeAppScaling?) in
            if running, let current = s[spec.name], current.spec == spec { return (nil, nil) }
            let fresh = running ? KubeAppScaling(spec: spec, clock: settings.clock) : nil
            let old = s.removeValue(forKey: spec.name)
            if let fresh { s[spec.name] = fresh }
            return (fresh, old)
        }
        removed?.stop()
        guard let added, added.scales else { return }
        let name = spec.name
        let every = spec.replicas.min == 0 ? min(settings.autoscaleEvery, settings.idleBeforeZero / 4) : settings.autoscaleEvery
        added.start(every: every) { [weak self] in await self?.tick(name) }
    }

    /// A pod of an app changed in the informer.
    nonisolated func podChanged(_ pod: JSONObject) {
        guard let name = pod.labelMap[KubeAppPlan.appLabel], let scaling = scalings.withLock({ $0[name] }) else { return }
        scaling.readyChanged(readiness(name))
    }

    /// One look at app `name`: a replica more or less when its scaler says so, none when it scales to zero and was
    /// idle for `settings.idleBeforeZero` seconds.
    func tick(_ name: String) async {
        guard let scaling = scalings.withLock({ $0[name] }) else { return }
        guard settings.leads() else {
            scaling.resetScaler()
            return
        }
        let record: AppRecord?
        do { record = try await db { try $0.app(name: name) } } catch {
            logger.warning("cannot read app '\(name)' to scale it: \(error)")
            return
        }
        guard let record, record.running else { return }
        var target = scaling.sample(replicas: record.replicas)
        if target == nil, scaling.spec.replicas.min == 0, record.replicas > 0, scaling.isIdle(after: settings.idleBeforeZero) { target = 0 }
        guard let target, target != record.replicas else { return }
        await apply(name, from: record.replicas, to: target)
    }

    /// The first request for an app at zero replicas: one replica (nothing when it runs some already).
    func wake(_ name: String) async {
        await apply(name, from: 0, to: 1)
    }

    /// Records `to` replicas for app `name` while it still runs `from` (a scale by hand or a stop meanwhile wins),
    /// then makes the Deployment match.
    func apply(_ name: String, from: Int, to: Int) async {
        let record: AppRecord?
        do {
            record = try await db { store in
                guard let current = try store.app(name: name), current.running, current.replicas == from else { return nil }
                return try store.setAppReplicas(name: name, replicas: to)
            }
        } catch {
            logger.warning("cannot record \(to) replicas for app '\(name)': \(error)")
            return
        }
        guard let record else { return }
        do throws(AppRuntimeError) {
            try await reconcile(try decode(record), replicas: to, running: true)
        } catch {
            // The store says `to`: the next scale, deploy or server start makes the Deployment match.
            logger.warning("cannot scale app '\(name)' to \(to) replicas: \(error)")
        }
    }
}
