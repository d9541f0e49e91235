import Foundation

/// The simulated registries: which images a pull finds. An image that is not listed fails to pull
/// (ErrImagePull, then ImagePullBackOff); a reference that does not parse is InvalidImageName.
///
/// A pattern is an image as a pod names it (`busybox`, `python:3.12-slim`, `ghcr.io/acme/*`): without a
/// tag it matches every tag, and `*` matches any run of characters in the repository.
///
/// Each image also has a user it runs as (its config's `User`, which `runAsNonRoot` checks): `users` maps
/// patterns to users, an image no pattern names runs as root (an image without `USER` does), except the
/// well-known non-root images in `knownUsers`.
public struct ImageRegistry: Sendable, Equatable {
    public var patterns: [String]
    /// Every well-formed reference pulls (the simulation before registries existed).
    public var acceptsAll: Bool
    /// Pattern -> the image's user (`65532`, `1000:1000`, `nobody`); the first match counts, longest pattern first.
    public var users: [String: String] = ImageRegistry.knownUsers

    /// Public images that run as a non-root user.
    public static let knownUsers = [
        "gcr.io/distroless/*:nonroot": "65532", "gcr.io/distroless/*:debug-nonroot": "65532",
        "gcr.io/distroless/*:latest-nonroot": "65532", "cgr.dev/chainguard/*": "65532", "bitnami/*": "1001",
    ]

    public init(patterns: [String] = ImageRegistry.commonImages, acceptsAll: Bool = false) {
        self.patterns = patterns
        self.acceptsAll = acceptsAll
    }

    /// Official Docker Hub images and public registries' images a test is likely to name, plus
    /// `kubesim/*` (the simulation's own outcome images).
    public static let commonImages = [
        "busybox", "alpine", "ubuntu", "debian", "fedora", "centos", "rockylinux", "amazonlinux",
        "python", "node", "golang", "rust", "ruby", "php", "perl", "openjdk", "eclipse-temurin", "amazoncorretto",
        "nginx", "httpd", "caddy", "traefik", "haproxy", "redis", "memcached", "postgres", "mysql", "mariadb",
        "mongo", "rabbitmq", "elasticsearch", "registry", "hello-world", "bash", "curlimages/curl",
        "bitnami/*", "registry.k8s.io/*", "k8s.gcr.io/*", "gcr.io/distroless/*", "quay.io/prometheus/*",
        "nvidia/cuda", "nvcr.io/nvidia/*", "pytorch/pytorch", "tensorflow/tensorflow", "kubesim/*",
    ]

    /// Reads a registry file: one pattern a line; blank lines and `#` comments are skipped.
    /// A line may name the image's user after it: `registry.example/app:1.0 user=1000`.
    public static func patterns(file path: String) throws -> [String] {
        try lines(file: path).compactMap { $0.first }
    }

    /// The `user=` of each line of a registry file that has one, by pattern.
    public static func users(file path: String) throws -> [String: String] {
        var users: [String: String] = [:]
        for words in try lines(file: path) {
            guard let pattern = words.first else { continue }
            for word in words.dropFirst() where word.hasPrefix("user=") { users[pattern] = String(word.dropFirst(5)) }
        }
        return users
    }

    static func lines(file path: String) throws -> [[String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline)
            .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "" }
            .map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
            .filter { !$0.isEmpty }
    }

    /// The user `image` runs as; empty for root.
    public func user(of image: String) -> String {
        let pattern = users.keys.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
            .first { Self.matches($0, image) }
        return pattern.flatMap { users[$0] } ?? ""
    }

    /// What a pull of `image` finds.
    public enum Lookup: Sendable, Equatable {
        case present
        case missing
        /// The reference does not parse; the message is the parser's (`invalid reference format`).
        case invalid(String)
    }

    public func lookup(_ image: String) -> Lookup {
        if let problem = ImageReference.problem(image) { return .invalid(problem) }
        if acceptsAll { return .present }
        return patterns.contains { Self.matches($0, image) } ? .present : .missing
    }

    /// Whether a registry pattern names `image`.
    static func matches(_ pattern: String, _ image: String) -> Bool {
        let (repository, tag) = ImageReference.split(ContainerFacts.normalize(image))
        let (bare, patternTag) = ImageReference.split(pattern, defaultTag: nil)
        let (patternRepository, _) = ImageReference.split(ContainerFacts.normalize(bare))
        if let patternTag, patternTag != tag { return false }
        return glob(patternRepository, matches: repository)
    }

    /// `*` matches any run of characters (including `/`).
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 { return pattern == text }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}

/// The grammar of image references (github.com/distribution/reference), for InvalidImageName.
enum ImageReference {
    /// Why `image` is not a valid reference, in the parser's words, or nil when it is.
    static func problem(_ image: String) -> String? {
        if image.isEmpty { return "invalid reference format" }
        var name = image
        var digest: String?
        if let at = name.firstIndex(of: "@") {
            digest = String(name[name.index(after: at)...])
            name = String(name[..<at])
        }
        if let digest, !validDigest(digest) { return "invalid reference format" }
        var components = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let last = components.popLast() else { return "invalid reference format" }
        var final = last
        if let colon = last.firstIndex(of: ":") {
            let tag = String(last[last.index(after: colon)...])
            final = String(last[..<colon])
            if !validTag(tag) { return "invalid reference format" }
        }
        components.append(final)
        // A first component with a dot, a colon or `localhost` is a registry host.
        if components.count > 1, components[0].contains(".") || components[0].contains(":") || components[0] == "localhost" {
            components.removeFirst()
        }
        for component in components {
            if component != component.lowercased(), validPathComponent(component.lowercased()) {
                return "invalid reference format: repository name must be lowercase"
            }
            if !validPathComponent(component) { return "invalid reference format" }
        }
        if name.count > 255 { return "repository name must not be more than 255 characters" }
        return nil
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func validPathComponent(_ s: String) -> Bool {
        let chars = Array(s.utf8)
        let alnum: (UInt8) -> Bool = { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
        guard let first = chars.first, let last = chars.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < chars.count {
            if alnum(chars[i]) { i += 1; continue }
            var sep = 0
            let start = i
            while i < chars.count, !alnum(chars[i]) { sep += 1; i += 1 }
            let run = String(decoding: chars[start..<i], as: UTF8.self)
            if !(run == "." || run == "_" || run == "__" || run.allSatisfy { $0 == "-" }) { return false }
        }
        return true
    }

    /// `[\w][\w.-]{0,127}`
    static func validTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first.isLetter || first.isNumber || first == "_" else { return false }
        return tag.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    static func validDigest(_ digest: String) -> Bool {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 32 else { return false }
        return parts[1].allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A normalised reference's repository and tag (`latest` when only a digest names it).
    static func split(_ reference: String, defaultTag: String? = "latest") -> (String, String?) {
        let undigested = reference.split(separator: "@").first.map(String.init) ?? reference
        let slash = undigested.lastIndex(of: "/") ?? undigested.startIndex
        if let colon = undigested[slash...].lastIndex(of: ":") {
            return (String(undigested[..<colon]), String(undigested[undigested.index(after: colon)...]))
        }
        return (undigested, defaultTag)
    }
}
