/// The subject common name and organizations of an X.509 certificate, read from its DER bytes.
struct CertificateSubject {
    var commonName: String?
    var organizations: [String] = []

    init?(der: [UInt8]) {
        var reader = DERReader(bytes: der[...])
        guard let certificate = reader.next(), var cert = certificate.children, let tbs = cert.next(), var fields = tbs.children else { return nil }
        var first = fields.next()
        if first?.tag == 0xA0 { first = fields.next() }          // [0] version, then serialNumber
        _ = fields.next()                                        // signature algorithm
        _ = fields.next()                                        // issuer
        _ = fields.next()                                        // validity
        guard let subject = fields.next(), var sets = subject.children else { return nil }
        while let set = sets.next() {
            guard var attributes = set.children else { continue }
            while let attribute = attributes.next() {
                guard var pair = attribute.children, let oid = pair.next(), let value = pair.next() else { continue }
                let text = String(decoding: value.content, as: UTF8.self)
                if Array(oid.content) == [0x55, 0x04, 0x03] { commonName = text }
                if Array(oid.content) == [0x55, 0x04, 0x0A] { organizations.append(text) }
            }
        }
    }
}

/// A minimal DER TLV walker (definite lengths only, as certificates use).
struct DERReader {
    struct Element {
        let tag: UInt8
        let content: ArraySlice<UInt8>
        /// The nested elements of a constructed element.
        var children: DERReader? { tag & 0x20 != 0 ? DERReader(bytes: content) : nil }
    }

    var bytes: ArraySlice<UInt8>

    mutating func next() -> Element? {
        guard bytes.count >= 2 else { return nil }
        var i = bytes.startIndex
        let tag = bytes[i]
        i += 1
        var length = Int(bytes[i])
        i += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count <= 4, i + count <= bytes.endIndex else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard i + length <= bytes.endIndex else { return nil }
        let element = Element(tag: tag, content: bytes[i..<(i + length)])
        bytes = bytes[(i + length)...]
        return element
    }
}
