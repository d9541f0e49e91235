// Kubernetes resource quantities, modelled on k8s.io/apimachinery/pkg/api/resource
// (quantity.go, suffix.go, amount.go). Values are held exactly as milli-units in an
// Int128, so unlike Kubernetes (which keeps nano precision and rounds finer values up)
// anything finer than 1m is rejected rather than silently rounded.

/// A Kubernetes resource quantity (`500m`, `1.5Gi`, `1e3`) held as an exact value.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// How a quantity prints: the suffix family it was written in.
    public enum Format: String, Sendable, Hashable, Codable {
        /// Powers of 1000 with `m`, `k`, `M`, `G`, `T`, `P`, `E`.
        case decimalSI
        /// Powers of 1024 with `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`.
        case binarySI
        /// Scientific notation with an exponent that is a multiple of three, e.g. `12e6`.
        case decimalExponent
    }

    /// The value times 1000 (exact: quantities carry at most three decimals here).
    public let milliValue: Int128
    /// The suffix family used when printing the canonical form.
    public let format: Format

    /// Wraps an exact milli-value; no validation is needed since every Int128 is representable.
    public init(milliValue: Int128, format: Format = .decimalSI) {
        self.milliValue = milliValue
        self.format = format
    }

    /// A whole-number quantity in decimalSI format.
    public init(integer: Int) {
        // Int is at most 64 bits, so scaling by 1000 cannot overflow Int128.
        self.init(milliValue: Int128(integer) * 1000, format: .decimalSI)
    }

    /// Parses Kubernetes quantity syntax, rejecting anything finer than 1m or beyond Int128.
    public init(parsing text: String) throws(QuantityError) {
        let parsed = try QuantityParser.parse(text)
        self.init(milliValue: parsed.milliValue, format: parsed.format)
    }

    /// Canonical form as Kubernetes prints it, e.g. "1.5" -> "1500m", "1.5Gi" -> "1536Mi", "2000m" -> "2".
    public var canonical: String {
        guard milliValue != 0 else { return "0" }
        switch format {
        case .decimalSI:
            return QuantityPrinter.decimal(milliValue, exponentForm: false)
        case .decimalExponent:
            return QuantityPrinter.decimal(milliValue, exponentForm: true)
        case .binarySI:
            // Kubernetes falls back to decimalSI rather than round a binary value.
            return QuantityPrinter.binary(milliValue)
                ?? QuantityPrinter.decimal(milliValue, exponentForm: false)
        }
    }

    /// The canonical form.
    public var description: String { canonical }

    /// Whether the value is a whole number of units (no milli part).
    public var isWhole: Bool { milliValue % 1000 == 0 }

    /// Whether the value is below zero.
    public var isNegative: Bool { milliValue < 0 }

    /// The value in whole units, or nil when it has a fractional part.
    public var wholeValue: Int128? { isWhole ? milliValue / 1000 : nil }

    /// Equal when the values are equal, whatever the format (1Ki == 1024 == 1024000m).
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.milliValue == rhs.milliValue
    }

    /// Hashes the value only, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(milliValue)
    }

    /// Orders by value, ignoring format.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.milliValue < rhs.milliValue
    }

    /// Decodes from a quantity string such as "1.5Gi".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Quantity(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as the canonical string, the way Kubernetes serializes quantities.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}

/// Why a quantity did not parse; renders as one sentence naming the text.
public struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text that failed to parse.
    public let text: String
    /// What was wrong with it, as a sentence fragment.
    public let reason: String

    /// Creates an error for `text` with the given reason.
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    /// One sentence naming the text, e.g. `invalid quantity "1.5.3": <reason>`.
    public var description: String {
        // String(reflecting:) quotes the text and makes stray whitespace visible.
        "invalid quantity \(String(reflecting: text)): \(reason)"
    }
}

/// Suffix tables shared by parsing and printing (suffix.go).
enum QuantitySuffixes {
    /// Decimal suffixes and their power of ten; n and u parse but never print here.
    static let decimal: [(suffix: String, exponent: Int)] = [
        ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3),
        ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18),
    ]
    /// Binary suffixes and their power of 1024.
    static let binary: [(suffix: String, power: Int)] = [
        ("Ki", 1), ("Mi", 2), ("Gi", 3), ("Ti", 4), ("Pi", 5), ("Ei", 6),
    ]
    /// What a well-formed quantity looks like, for error messages.
    static let expectation = "expected a number followed by an optional suffix "
        + "(n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei) or exponent (e3)"
}

/// Renders milli-values in canonical form (quantity.go CanonicalizeBytes).
enum QuantityPrinter {
    /// Decimal form: strip powers of ten into the exponent, then lower it to a multiple of three.
    static func decimal(_ milli: Int128, exponentForm: Bool) -> String {
        var mantissa = milli
        var exponent = -3
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        // Each multiply below undoes a division above, so none of them can overflow.
        while exponent % 3 != 0 {
            mantissa *= 10
            exponent -= 1
        }
        // decimalSI has no suffix past E, so Kubernetes switches to exponent notation there
        // rather than drop the magnitude ("1000E" prints as "1e21").
        if !exponentForm, let entry = QuantitySuffixes.decimal.first(where: { $0.exponent == exponent }) {
            return "\(mantissa)\(entry.suffix)"
        }
        return exponent == 0 ? "\(mantissa)" : "\(mantissa)e\(exponent)"
    }

    /// Binary form, or nil when Kubernetes would fall back to decimalSI (|v| < 1024 or fractional).
    static func binary(_ milli: Int128) -> String? {
        guard milli % 1000 == 0, milli <= -1_024_000 || milli >= 1_024_000 else { return nil }
        var mantissa = milli / 1000
        var power = 0
        // Ei is the largest binary suffix; beyond it the mantissa keeps the factors of 1024.
        while power < 6, mantissa % 1024 == 0 {
            mantissa /= 1024
            power += 1
        }
        let suffix = QuantitySuffixes.binary.first { $0.power == power }?.suffix ?? ""
        return "\(mantissa)\(suffix)"
    }
}

/// Scans `<signedNumber><suffix>` and scales it exactly to milli-units (quantity.go ParseQuantity).
enum QuantityParser {
    /// The scale a suffix applies: a power of ten and a power of two.
    private struct Scale {
        var tens: Int
        var twos: Int
        var format: Quantity.Format
    }

    /// Exponents beyond this cannot yield a representable nonzero value; clamping keeps Int sums safe.
    private static let exponentClamp = 1 << 32

    /// Parses `text` into an exact milli-value and the format its suffix implies.
    static func parse(_ text: String) throws(QuantityError) -> (milliValue: Int128, format: Quantity.Format) {
        func fail(_ reason: String) -> QuantityError { QuantityError(text: text, reason: reason) }
        guard !text.isEmpty else { throw fail("the text is empty; \(QuantitySuffixes.expectation)") }
        guard !text.unicodeScalars.contains(where: \.properties.isWhitespace) else {
            throw fail("whitespace is not allowed; \(QuantitySuffixes.expectation)")
        }
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        let integerDigits = scanDigits(bytes, from: &index)
        var fractionDigits = bytes[index..<index]
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = scanDigits(bytes, from: &index)
        }
        // Kubernetes' scanner treats "", "." or "+" as zero; its documented grammar needs a digit.
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else {
            throw fail("there is no number before the suffix; \(QuantitySuffixes.expectation)")
        }
        guard index >= bytes.count || bytes[index] != UInt8(ascii: ".") else {
            throw fail("a number has at most one decimal point; \(QuantitySuffixes.expectation)")
        }
        let scale = try interpretSuffix(bytes[index...], fail: fail)
        let digits = Array(integerDigits) + Array(fractionDigits)
        let milli = try scaleToMilli(
            digits, tens: scale.tens - fractionDigits.count, twos: scale.twos, negative: negative, fail: fail)
        // Like Kubernetes, a binary value strictly between 0 and 1 is reported as decimalSI.
        let format = scale.format == .binarySI && milli > 0 && milli < 1000 ? .decimalSI : scale.format
        return (milli, format)
    }

    /// Advances past ASCII digits and returns them.
    private static func scanDigits(_ bytes: [UInt8], from index: inout Int) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Maps a suffix to its scale; a lone "E" is exa, "E" or "e" followed by more is an exponent.
    private static func interpretSuffix(
        _ suffixBytes: ArraySlice<UInt8>, fail: (String) -> QuantityError
    ) throws(QuantityError) -> Scale {
        let suffix = String(decoding: suffixBytes, as: UTF8.self)
        if let entry = QuantitySuffixes.decimal.first(where: { $0.suffix == suffix }) {
            return Scale(tens: entry.exponent, twos: 0, format: .decimalSI)
        }
        if let entry = QuantitySuffixes.binary.first(where: { $0.suffix == suffix }) {
            return Scale(tens: 0, twos: 10 * entry.power, format: .binarySI)
        }
        guard let first = suffixBytes.first, suffixBytes.count > 1,
              first == UInt8(ascii: "e") || first == UInt8(ascii: "E")
        else {
            throw fail("unknown suffix \(String(reflecting: suffix)); \(QuantitySuffixes.expectation)")
        }
        guard let exponent = parseExponent(suffixBytes.dropFirst()) else {
            throw fail("malformed exponent \(String(reflecting: suffix)): an exponent is a signed integer "
                + "such as e3 or e-3; \(QuantitySuffixes.expectation)")
        }
        return Scale(tens: exponent, twos: 0, format: .decimalExponent)
    }

    /// Parses `[+-]digits`, saturating at `exponentClamp` so huge exponents cannot overflow Int.
    private static func parseExponent(_ bytes: ArraySlice<UInt8>) -> Int? {
        var rest = bytes
        var sign = 1
        if let first = rest.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            sign = first == UInt8(ascii: "-") ? -1 : 1
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, rest.allSatisfy(isDigit) else { return nil }
        var magnitude = 0
        for byte in rest {
            magnitude = min(magnitude * 10 + Int(byte - UInt8(ascii: "0")), exponentClamp)
        }
        return sign * magnitude
    }

    /// Computes digits × 10^tens × 2^twos × 1000 exactly, or throws for sub-milli precision or overflow.
    private static func scaleToMilli(
        _ rawDigits: [UInt8], tens: Int, twos: Int, negative: Bool, fail: (String) -> QuantityError
    ) throws(QuantityError) -> Int128 {
        // Trim zeros first so that "1.000…0" or "000…1" with many digits do not overflow needlessly.
        guard let firstSignificant = rawDigits.firstIndex(where: { $0 != UInt8(ascii: "0") }) else { return 0 }
        let lastSignificant = rawDigits.lastIndex(where: { $0 != UInt8(ascii: "0") }) ?? firstSignificant
        let digits = rawDigits[firstSignificant...lastSignificant]
        let tens = tens + (rawDigits.count - 1 - lastSignificant) + 3
        let precision = fail("quantities here allow at most three decimal places (1m), "
            + "so the value must be a whole number of milli-units")
        let outOfRange = fail("the value is out of range: it does not fit in 128 bits as milli-units")
        if tens < 0 {
            // The mantissa has no factor of 10, so it cannot supply both the 2s and 5s of 10^-tens:
            // only the suffix's 2s can, and the mantissa must then be divisible by 5^-tens.
            guard -tens <= twos else { throw precision }
            let fives = -tens
            guard let mantissa = accumulate(digits) else { throw outOfRange }
            guard let divisor = power(5, fives), mantissa % divisor == 0 else { throw precision }
            return try finish(mantissa / divisor, tens: 0, twos: twos - fives, negative: negative, outOfRange)
        }
        guard let mantissa = accumulate(digits) else { throw outOfRange }
        return try finish(mantissa, tens: tens, twos: twos, negative: negative, outOfRange)
    }

    /// Multiplies out the remaining powers with overflow checks and applies the sign.
    private static func finish(
        _ mantissa: UInt128, tens: Int, twos: Int, negative: Bool, _ outOfRange: QuantityError
    ) throws(QuantityError) -> Int128 {
        guard let scale10 = power(10, tens), let scale2 = power(2, twos) else { throw outOfRange }
        let (step, overflow1) = mantissa.multipliedReportingOverflow(by: scale10)
        let (magnitude, overflow2) = step.multipliedReportingOverflow(by: scale2)
        guard !overflow1, !overflow2 else { throw outOfRange }
        // Int128.min has no positive counterpart, so the negative bound is one larger.
        let limit = negative ? UInt128(Int128.max) + 1 : UInt128(Int128.max)
        guard magnitude <= limit else { throw outOfRange }
        return negative ? Int128(truncatingIfNeeded: 0 &- magnitude) : Int128(magnitude)
    }

    /// Reads ASCII digits into a UInt128, or nil on overflow.
    private static func accumulate(_ digits: ArraySlice<UInt8>) -> UInt128? {
        var value: UInt128 = 0
        for byte in digits {
            let (shifted, overflowMul) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(UInt128(byte - UInt8(ascii: "0")))
            guard !overflowMul, !overflowAdd else { return nil }
            value = sum
        }
        return value
    }

    /// base^exponent, or nil when it does not fit; exponents past 128 always overflow for base ≥ 2.
    private static func power(_ base: UInt128, _ exponent: Int) -> UInt128? {
        guard exponent <= 128 else { return nil }
        var result: UInt128 = 1
        for _ in 0..<max(exponent, 0) {
            let (next, overflow) = result.multipliedReportingOverflow(by: base)
            guard !overflow else { return nil }
            result = next
        }
        return result
    }
}
