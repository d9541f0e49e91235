import Foundation
import Testing

@testable import SluiceModel

/// One valid input with the value and canonical form Kubernetes gives it.
struct ValidCase: CustomTestStringConvertible, Sendable {
    let input: String
    let canonical: String
    let milli: Int128
    let format: Quantity.Format
    var testDescription: String { "\(input) -> \(canonical)" }

    init(_ input: String, _ canonical: String, _ milli: Int128, _ format: Quantity.Format = .decimalSI) {
        self.input = input
        self.canonical = canonical
        self.milli = milli
        self.format = format
    }
}

private let ki: Int128 = 1024
private let mi = ki * 1024
private let gi = mi * 1024
private let ei = gi * 1024 * 1024 * 1024

private let validCases: [ValidCase] = [
    ValidCase("500m", "500m", 500),
    ValidCase("1.5", "1500m", 1500),
    ValidCase("2000m", "2", 2000),
    ValidCase("0.1", "100m", 100),
    ValidCase("1500", "1500", 1_500_000),
    ValidCase("2000", "2k", 2_000_000),
    ValidCase("2k", "2k", 2_000_000),
    ValidCase("1000k", "1M", 1_000_000_000),
    ValidCase("100M", "100M", 100_000_000_000),
    ValidCase("1.G", "1G", 1_000_000_000_000),
    ValidCase("1E", "1E", 1_000_000_000_000_000_000_000),
    ValidCase("1500E", "1500E", 1_500_000_000_000_000_000_000_000),
    // No decimalSI suffix exists past E, so Kubernetes falls back to exponent notation.
    ValidCase("1000E", "1e21", 1_000_000_000_000_000_000_000_000),
    ValidCase("15000E", "15e21", 15_000_000_000_000_000_000_000_000),
    ValidCase("0", "0", 0),
    ValidCase("0.000", "0", 0),
    ValidCase("-0", "0", 0),
    ValidCase("-1", "-1", -1000),
    ValidCase("+5", "5", 5000),
    ValidCase(".5", "500m", 500),
    ValidCase("5.", "5", 5000),
    ValidCase("000123", "123", 123_000),
    ValidCase("1000000n", "1m", 1),
    ValidCase("1000u", "1m", 1),
    ValidCase("-1.5k", "-1500", -1_500_000),
    ValidCase("1Ki", "1Ki", ki * 1000, .binarySI),
    ValidCase("1.5Ki", "1536", 1536 * 1000, .binarySI),
    ValidCase("1Gi", "1Gi", gi * 1000, .binarySI),
    ValidCase("1.5Gi", "1536Mi", 1536 * mi * 1000, .binarySI),
    ValidCase("-1.5Gi", "-1536Mi", -1536 * mi * 1000, .binarySI),
    ValidCase("1024Mi", "1Gi", gi * 1000, .binarySI),
    ValidCase("0.5Gi", "512Mi", 512 * mi * 1000, .binarySI),
    ValidCase("1536Ki", "1536Ki", 1536 * ki * 1000, .binarySI),
    ValidCase("1023Ki", "1023Ki", 1023 * ki * 1000, .binarySI),
    ValidCase("1.0009765625Ki", "1025", 1_025_000, .binarySI),
    ValidCase("0.0009765625Ki", "1", 1000, .binarySI),
    ValidCase("0.00048828125Ki", "500m", 500, .decimalSI),
    ValidCase("0.001Ki", "1024m", 1024, .binarySI),
    ValidCase("1024Ei", "1024Ei", 1024 * ei * 1000, .binarySI),
    ValidCase("0Ki", "0", 0, .binarySI),
    ValidCase("1e3", "1e3", 1_000_000, .decimalExponent),
    ValidCase("1E3", "1e3", 1_000_000, .decimalExponent),
    ValidCase("1e+3", "1e3", 1_000_000, .decimalExponent),
    ValidCase("10e2", "1e3", 1_000_000, .decimalExponent),
    ValidCase("1.5e3", "1500", 1_500_000, .decimalExponent),
    ValidCase("0.5e1", "5", 5000, .decimalExponent),
    ValidCase("12e-3", "12e-3", 12, .decimalExponent),
    ValidCase("1e-3", "1e-3", 1, .decimalExponent),
    ValidCase("100e-3", "100e-3", 100, .decimalExponent),
    ValidCase("-2e6", "-2e6", -2_000_000_000, .decimalExponent),
    ValidCase("1e21", "1e21", 1_000_000_000_000_000_000_000_000, .decimalExponent),
    ValidCase("0e99999999999", "0", 0, .decimalExponent),
    ValidCase("1.000000000000000000000000000000000000000000000", "1", 1000),
    ValidCase("170141183460469231731687303715884105727m", "170141183460469231731687303715884105727m", .max),
    ValidCase("-170141183460469231731687303715884105728m", "-170141183460469231731687303715884105728m", .min),
    // 5^40 / 10^40 Ei is exactly 2^20: the suffix's factors of two supply the missing precision.
    ValidCase("0.0000000000009094947017729282379150390625Ei",
              "1Mi", mi * 1000, .binarySI),
]

@Test("valid quantities parse to the exact value and Kubernetes' canonical form", arguments: validCases)
func parsesValidQuantity(_ testCase: ValidCase) throws {
    let quantity = try Quantity(parsing: testCase.input)
    #expect(quantity.milliValue == testCase.milli)
    #expect(quantity.format == testCase.format)
    #expect(quantity.canonical == testCase.canonical)
    #expect(quantity.description == testCase.canonical)
    // The canonical form must itself parse back to the same value.
    #expect(try Quantity(parsing: quantity.canonical) == quantity)
}

/// One invalid input and a fragment its reason must contain.
struct InvalidCase: CustomTestStringConvertible, Sendable {
    let input: String
    let fragment: String
    var testDescription: String { String(reflecting: input) }

    init(_ input: String, _ fragment: String) {
        self.input = input
        self.fragment = fragment
    }
}

private let invalidCases: [InvalidCase] = [
    InvalidCase("", "empty"),
    InvalidCase(" 1", "whitespace"),
    InvalidCase("1 ", "whitespace"),
    InvalidCase("1 Gi", "whitespace"),
    InvalidCase("1\n", "whitespace"),
    InvalidCase("1.5.3", "at most one decimal point"),
    InvalidCase("1..5", "at most one decimal point"),
    InvalidCase(".", "no number"),
    InvalidCase("+", "no number"),
    InvalidCase("-", "no number"),
    InvalidCase("++1", "no number"),
    InvalidCase("+-1", "no number"),
    InvalidCase("k", "no number"),
    InvalidCase("Mi", "no number"),
    InvalidCase("abc", "no number"),
    InvalidCase("\u{FF11}", "no number"),
    InvalidCase("1K", "unknown suffix \"K\""),
    InvalidCase("1ki", "unknown suffix"),
    InvalidCase("1mi", "unknown suffix"),
    InvalidCase("1i", "unknown suffix"),
    InvalidCase("1KiB", "unknown suffix"),
    InvalidCase("1_000", "unknown suffix"),
    InvalidCase("1e", "unknown suffix"),
    InvalidCase("1-", "unknown suffix"),
    InvalidCase("1e+", "malformed exponent"),
    InvalidCase("1e1.5", "malformed exponent"),
    InvalidCase("1e3k", "malformed exponent"),
    InvalidCase("1E-", "malformed exponent"),
    InvalidCase("0.0001", "at most three decimal places (1m)"),
    InvalidCase("1n", "at most three decimal places (1m)"),
    InvalidCase("1000n", "at most three decimal places (1m)"),
    InvalidCase("1.5u", "at most three decimal places (1m)"),
    InvalidCase("1.0005", "at most three decimal places (1m)"),
    InvalidCase("1e-4", "at most three decimal places (1m)"),
    InvalidCase("1e-99999999999", "at most three decimal places (1m)"),
    InvalidCase("0.0001Ki", "at most three decimal places (1m)"),
    InvalidCase("9999999999999999999999999999999999999999Ei", "out of range"),
    InvalidCase("1e99999999999", "out of range"),
    InvalidCase("1e36", "out of range"),
    InvalidCase("170141183460469231731687303715884105728m", "out of range"),
    InvalidCase("1000000000000000000000E", "out of range"),
    InvalidCase("200000000000000000000Ei", "out of range"),
]

@Test("invalid quantities throw a QuantityError naming the text and the reason", arguments: invalidCases)
func rejectsInvalidQuantity(_ testCase: InvalidCase) {
    let error = #expect(throws: QuantityError.self) { try Quantity(parsing: testCase.input) }
    #expect(error?.text == testCase.input)
    #expect(error?.reason.contains(testCase.fragment) == true, "\(error?.reason ?? "")")
    #expect(error?.description.hasPrefix("invalid quantity \(String(reflecting: testCase.input)): ") == true)
}

@Test func errorRendersAsOneSentence() {
    let error = QuantityError(text: "1.5.3", reason: "a number has at most one decimal point")
    #expect(error.description == "invalid quantity \"1.5.3\": a number has at most one decimal point")
}

@Test func valuesCompareEqualAcrossFormats() throws {
    let forms = ["1Ki", "1024", "1024000m", "1.024k", "1024e0", "1.024e3"]
    let quantities = try forms.map { try Quantity(parsing: $0) }
    #expect(Set(quantities).count == 1)
    for quantity in quantities {
        #expect(quantity == quantities[0])
        #expect(quantity.hashValue == quantities[0].hashValue)
    }
    #expect(Quantity(milliValue: 1_024_000, format: .binarySI) == Quantity(integer: 1024))
}

@Test func ordersByValue() throws {
    let shuffled = ["1Gi", "500m", "1", "-1", "1Ki", "1e3", "0", "-2Ki", "1.5"]
    let sorted = try shuffled.map { try Quantity(parsing: $0) }.sorted().map(\.canonical)
    #expect(sorted == ["-2Ki", "-1", "0", "500m", "1", "1500m", "1e3", "1Ki", "1Gi"])
    #expect(try Quantity(parsing: "999m") < Quantity(parsing: "1"))
    #expect(try Quantity(parsing: "1k") < Quantity(parsing: "1Ki"))
}

@Test func wholeness() throws {
    #expect(try Quantity(parsing: "2").isWhole)
    #expect(try Quantity(parsing: "2").wholeValue == 2)
    #expect(try Quantity(parsing: "1Gi").wholeValue == gi)
    #expect(try !Quantity(parsing: "1500m").isWhole)
    #expect(try Quantity(parsing: "1500m").wholeValue == nil)
    #expect(try Quantity(parsing: "-3").wholeValue == -3)
    #expect(try Quantity(parsing: "-3").isNegative)
    #expect(try !Quantity(parsing: "0").isNegative)
    #expect(Quantity(integer: 7).milliValue == 7000)
    #expect(Quantity(integer: 7).format == .decimalSI)
    #expect(Quantity(integer: .min).milliValue == Int128(Int.min) * 1000)
}

@Test func canonicalFromMilliValueFollowsFormat() {
    #expect(Quantity(milliValue: 1_000_000, format: .decimalExponent).canonical == "1e3")
    #expect(Quantity(milliValue: 1_000_000, format: .binarySI).canonical == "1k")
    #expect(Quantity(milliValue: 2_048_000, format: .binarySI).canonical == "2Ki")
    #expect(Quantity(milliValue: 2_048_500, format: .binarySI).canonical == "2048500m")
    #expect(Quantity(milliValue: -1_023_000, format: .binarySI).canonical == "-1023")
    #expect(Quantity(milliValue: 0, format: .decimalExponent).canonical == "0")
}

private struct Resources: Codable, Equatable {
    let cpu: Quantity
    let memory: Quantity
}

@Test func jsonRoundTripUsesCanonicalStrings() throws {
    let decoded = try JSONDecoder().decode(Resources.self, from: Data(#"{"cpu":"1.5","memory":"1.5Gi"}"#.utf8))
    #expect(decoded.cpu.milliValue == 1500)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = String(decoding: try encoder.encode(decoded), as: UTF8.self)
    #expect(json == #"{"cpu":"1500m","memory":"1536Mi"}"#)
    #expect(try JSONDecoder().decode(Resources.self, from: Data(json.utf8)) == decoded)
}

@Test func decodingInvalidTextThrowsDataCorrupted() {
    let error = #expect(throws: DecodingError.self) {
        try JSONDecoder().decode([Quantity].self, from: Data(#"["1.5.3"]"#.utf8))
    }
    guard case .dataCorrupted(let context) = error else {
        Issue.record("expected dataCorrupted, got \(String(describing: error))")
        return
    }
    #expect(context.debugDescription.hasPrefix("invalid quantity \"1.5.3\": "))
}

/// Deterministic generator so a failing fuzz input can be reproduced.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func fuzzInput(_ rng: inout SplitMix64, seeds: [String]) -> String {
    let alphabet = Array("0123456789.+-eEkKmMGTPiun ")
    if Bool.random(using: &rng) {
        let length = Int.random(in: 0...14, using: &rng)
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
    }
    var chars = Array(seeds.randomElement(using: &rng)!)
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        let position = Int.random(in: 0...chars.count, using: &rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: chars.insert(alphabet.randomElement(using: &rng)!, at: position)
        case 1 where position < chars.count: chars.remove(at: position)
        case 2 where position < chars.count: chars[position] = alphabet.randomElement(using: &rng)!
        default: chars.insert(contentsOf: Array(repeating: "9", count: Int.random(in: 1...45, using: &rng)),
                              at: position)
        }
    }
    return String(chars)
}

@Test func neverTrapsOnMutatedInput() {
    var rng = SplitMix64(state: 0x5EED)
    let seeds = validCases.map(\.input) + invalidCases.map(\.input).filter { !$0.isEmpty }
    var parsed = 0
    var problems: [String] = []
    for _ in 0..<10_000 {
        let input = fuzzInput(&rng, seeds: seeds)
        do {
            let quantity = try Quantity(parsing: input)
            parsed += 1
            if (try? Quantity(parsing: quantity.canonical)) != quantity { problems.append("round trip: \(input)") }
        } catch {
            // Typed throws: every failure is a QuantityError; check it names the input.
            if error.text != input { problems.append("wrong text: \(input)") }
        }
    }
    #expect(problems.isEmpty, "\(problems.prefix(10))")
    #expect(parsed > 500, "the fuzzer should produce a fair share of valid inputs")
}

@Test func canonicalRoundTripsForArbitraryValues() {
    var rng = SplitMix64(state: 0xC0FFEE)
    var values: [Int128] = [.max, .min, .max - 1, .min + 1, 1, -1, 1000, -1000, 1_024_000]
    for _ in 0..<2_000 {
        let raw = Int128(truncatingIfNeeded: UInt128(rng.next()) << 64 | UInt128(rng.next()))
        // Mix in values with many trailing zeros so the suffix paths are exercised too.
        let shift = Int128(1) << Int.random(in: 0...100, using: &rng)
        values.append(Bool.random(using: &rng) ? raw : raw / shift * shift)
        values.append(Int128(rng.next() % 1_000_000_000) * 1000)
    }
    var problems: [String] = []
    for value in values {
        for format in [Quantity.Format.decimalSI, .binarySI, .decimalExponent] {
            let quantity = Quantity(milliValue: value, format: format)
            let reparsed = try? Quantity(parsing: quantity.canonical)
            if reparsed?.milliValue != value { problems.append("\(value) \(format): \(quantity.canonical)") }
        }
    }
    #expect(problems.isEmpty, "\(problems.prefix(10))")
}
