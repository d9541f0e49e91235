import SluiceModel

/// A secret of `spec` given as a variable the server sets for each replica (`PORT`, `SLUICE_APP`,
/// `SLUICE_REPLICA`), named; a secret called `port` is `PORT` unless its `env` says otherwise.
func reservedSecretVariable(_ spec: AppSpec) -> String? {
    for (i, s) in spec.secrets.enumerated() where s.path == nil {
        let variable = LocalSecrets.variable(s)
        if ["PORT", "SLUICE_APP", "SLUICE_REPLICA"].contains(variable) {
            return "app '\(spec.name)': apps.\(spec.name).secrets[\(i)] would be the variable \(variable), which the server sets for each replica; give it another 'env'"
        }
    }
    return nil
}

/// Why an app's `secrets` cannot be given to its replicas by the backend `capabilities` describes, reading
/// `secrets` (nil: no secret source): the same problems, in the same words, as a task's secrets at submit.
func secretsRefusal(_ spec: AppSpec, _ capabilities: BackendCapabilities, _ secrets: LocalSecrets?) -> String? {
    guard !spec.secrets.isEmpty else { return nil }
    if let problem = reservedSecretVariable(spec) { return problem }
    guard let secrets else {
        return "app '\(spec.name)' has secrets but this server's app runtime has no secret source (the local and container backends read the store's secrets folder)"
    }
    guard let p = capabilities.problems(secrets: spec.secrets, at: "apps.\(spec.name).secrets", secretExists: secrets.exists).first else {
        return nil
    }
    return "app '\(spec.name)' cannot run here: \(p.path): \(p.message)"
}
