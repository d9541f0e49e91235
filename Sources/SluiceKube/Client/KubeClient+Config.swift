extension KubeClient {
    /// A client for the cluster `config` describes (kubeconfig or in-cluster): its server, TLS trust,
    /// client certificate, bearer token source (re-read after a 401) and proxy.
    public convenience init(config: ClusterConfig, rateLimiter: RateLimiter = RateLimiter(),
                            retryPolicy: RetryPolicy = RetryPolicy(), clock: KubeClock = .system) throws(KubeConfigError) {
        var certificate = config.clientCertificatePEM
        var key = config.clientKeyPEM
        if certificate == nil, let issued = try config.credentials.clientCertificate() {
            certificate = issued.certificatePEM
            key = issued.keyPEM
        }
        let tls = TLSOptions(caPEM: config.caPEM, insecureSkipVerify: config.insecureSkipTLSVerify,
                             serverName: config.tlsServerName, clientCertificatePEM: certificate, clientKeyPEM: key,
                             proxyURL: config.proxyURL)
        let credentials = config.credentials
        self.init(server: config.server, tls: tls,
                  tokenSource: TokenSource(token: { try credentials.bearerToken() }, invalidate: { credentials.invalidate() }),
                  rateLimiter: rateLimiter, retryPolicy: retryPolicy, defaultNamespace: config.namespace, clock: clock)
    }
}
