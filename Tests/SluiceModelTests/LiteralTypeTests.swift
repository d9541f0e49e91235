import Testing
@testable import SluiceModel

@Suite struct LiteralTypeTests {
    @Test(arguments: [
        ("int", LiteralType.int), ("float", .float), ("string", .string), ("bool", .bool), ("datetime", .datetime),
        ("duration", .duration), ("json", .json), ("blob", .blob), ("none", .none),
        ("list<int>", .list(.int)), ("map<list<float>>", .map(.list(.float))), ("string?", .optional(.string)),
        ("list<int?>", .list(.optional(.int))), ("enum(a|b-c)", .enumeration(["a", "b-c"])),
        ("list< map< int > >", .list(.map(.int))),
    ])
    func parsesAndPrints(text: String, expected: LiteralType) throws {
        let parsed = try LiteralType(parsing: text)
        #expect(parsed == expected)
        #expect(try LiteralType(parsing: parsed.description) == expected)
        #expect(try roundTrip(parsed) == expected)
    }

    @Test(arguments: [
        ("list<int", "expected '>'"), ("lst<int>", "unknown type 'lst'"), ("", "expected a type"), ("int??", "'?' appears twice"),
        ("enum()", "expected an enum case name"), ("enum(a|a)", "appears twice"), ("int x", "unexpected 'x'"),
    ])
    func rejectsBadTypes(text: String, fragment: String) {
        #expect {
            try LiteralType(parsing: text)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    @Test(arguments: [
        ("int??", 4), ("int ? ?", 6), ("enum(fast|slow|fast)", 15), ("enum(a| a)", 8), ("list<int", 8), ("lst<int>", 0),
    ])
    func errorsPointWhereTheOffendingTokenStarts(text: String, offset: Int) {
        #expect {
            try LiteralType(parsing: text)
        } throws: { error in
            (error as? TypeSyntaxError)?.offset == offset
        }
    }

    @Test func nullComparesOnlyWithAnOptional() {
        #expect(LiteralType.optional(.int).isEquatable(with: .none))
        #expect(LiteralType.none.isEquatable(with: .optional(.string)))
        #expect(!LiteralType.int.isEquatable(with: .none))
        #expect(!LiteralType.none.isEquatable(with: .string))
    }

    @Test func assignability() {
        #expect(LiteralType.float.accepts(.int))
        #expect(!LiteralType.int.accepts(.float))
        #expect(LiteralType.optional(.int).accepts(.int))
        #expect(LiteralType.optional(.int).accepts(.none))
        #expect(!LiteralType.int.accepts(.optional(.int)))
        #expect(LiteralType.list(.float).accepts(.list(.int)))
        #expect(!LiteralType.list(.string).accepts(.list(.int)))
        #expect(!LiteralType.map(.string).accepts(.map(.int)))
        #expect(LiteralType.json.accepts(.map(.list(.int))))
        #expect(LiteralType.string.accepts(.enumeration(["a"])))
        #expect(LiteralType.enumeration(["a", "b"]).accepts(.enumeration(["a"])))
        #expect(!LiteralType.enumeration(["a"]).accepts(.string))
    }
}

@Suite struct DurationValueTests {
    @Test(arguments: [("30s", 30_000), ("10m", 600_000), ("1h30m", 5_400_000), ("500ms", 500), ("1.5h", 5_400_000), ("2d", 172_800_000), ("0s", 0)])
    func parses(text: String, ms: Int64) throws {
        #expect(try DurationValue(parsing: text).milliseconds == ms)
    }

    @Test(arguments: [(5_400_000, "1h30m"), (500, "500ms"), (0, "0s"), (86_400_000, "1d"), (61_500, "61500ms")])
    func printsCanonically(ms: Int64, text: String) throws {
        let d = DurationValue(milliseconds: ms)
        #expect(d.description == text)
        #expect(try DurationValue(parsing: d.description) == d)
    }

    @Test(arguments: ["", "5", "10x", "h", "1.2.3s", "0.5ms"])
    func rejects(text: String) {
        #expect(throws: DurationSyntaxError.self) { try DurationValue(parsing: text) }
    }
}

@Suite struct NamingTests {
    @Test(arguments: ["a", "hello", "lung-cancer-detection", "a1", String(repeating: "a", count: 63)])
    func acceptsLabels(name: String) { #expect(KubernetesName.dns1123LabelProblem(name) == nil) }

    @Test(arguments: ["", "Hello", "a_b", "-a", "a-", String(repeating: "a", count: 64), "a.b"])
    func rejectsLabels(name: String) { #expect(KubernetesName.dns1123LabelProblem(name) != nil) }
}
