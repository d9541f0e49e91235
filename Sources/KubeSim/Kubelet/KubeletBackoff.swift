import Foundation

/// The kubelet's back-off for failed image pulls and for restarting crashed containers: it starts at
/// `initial` and doubles up to `maximum` (pkg/kubelet/kubelet.go: backOffPeriod 10 s, MaxContainerBackOff
/// 300 s). Tests shrink it so crash loops and pull retries happen within a fake clock's few seconds.
public struct KubeletBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .seconds(10), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The step after `current`.
    func next(after current: Duration?) -> Duration {
        guard let current else { return initial }
        return min(current * 2, maximum)
    }

    /// Go's time.Duration.String for the back-off in messages: `10s`, `1m20s`, `5m0s`, `500ms`.
    static func goString(_ d: Duration) -> String {
        let millis = Int64(d / .milliseconds(1))
        if millis < 1000 { return "\(millis)ms" }
        let seconds = Double(millis) / 1000
        let minutes = Int(seconds) / 60
        let rest = seconds - Double(minutes * 60)
        let restText = rest == rest.rounded() ? String(Int(rest)) : String(rest)
        if minutes == 0 { return "\(restText)s" }
        let hours = minutes / 60
        if hours == 0 { return "\(minutes)m\(restText)s" }
        return "\(hours)h\(minutes % 60)m\(restText)s"
    }
}
