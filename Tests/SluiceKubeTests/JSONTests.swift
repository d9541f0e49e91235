import Testing
@testable import SluiceKube

@Suite struct JSONTests {
    @Test func parsesAndWritesBackCompactInOrder() throws {
        let text = #"{"b":1,"a":[true,false,null,-12,1.5,"x\"y\\z\n\u00e9\ud83d\ude00"],"c":{"z":{},"y":[]}}"#
        let value = try JSONValue.parse(text)
        #expect(value["b"] == .int(1))
        #expect(value["a"]?.arrayValue?[5] == .string("x\"y\\z\né😀"))
        #expect(value["c"]?.objectValue?.keys == ["z", "y"])
        #expect(value.jsonText == #"{"b":1,"a":[true,false,null,-12,1.5,"x\"y\\z\né😀"],"c":{"z":{},"y":[]}}"#)
    }

    @Test func numbersKeepIntegersExactAndReadDoubles() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONValue.parse("1e3") == .double(1000))
        #expect(try JSONValue.parse("-0.25").doubleValue == -0.25)
        #expect(JSONValue.double(2.0).jsonText == "2")
        #expect(JSONValue.double(0.1).jsonText == "0.1")
        #expect(JSONValue.double(3).intValue == 3)
    }

    @Test(arguments: [
        ("{\"a\":1,}", 7, "expected a member name in quotes"),
        ("[1 2]", 3, "expected ',' or ']' in an array"),
        ("\"abc", 4, "unterminated string"),
        ("{\"a\" 1}", 5, "expected ':' after a member name"),
        ("01", 1, "unexpected text after the value"),
        ("\"\\q\"", 2, "unknown escape '\\q'"),
        ("", 0, "expected a value, found the end"),
        ("tru", 0, "expected true"),
    ])
    func errorsNameTheByteAndWhatWasExpected(text: String, offset: Int, message: String) {
        #expect(throws: JSONError(offset: offset, message: message)) { try JSONValue.parse(text) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError.self) { try JSONValue.parse(text) }
    }

    @Test func objectSetKeepsPlaceAndNilRemoves() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "two"
        object["d"] = 4
        object["a"] = nil
        #expect(object.keys == ["b", "c", "d"])
        #expect(JSONValue.object(object).jsonText == #"{"b":"two","c":3,"d":4}"#)
        let other: JSONObject = ["d": 4, "c": 3, "b": "two"]
        #expect(object == other)
        #expect(object.hashValue == other.hashValue)
    }

    @Test func nestedSubscriptSetsInPlace() {
        var value: JSONValue = ["metadata": ["name": "x"]]
        value["metadata"]?["labels"] = ["app": "web"]
        value["spec"] = ["replicas": 2]
        #expect(value.jsonText == #"{"metadata":{"name":"x","labels":{"app":"web"}},"spec":{"replicas":2}}"#)
    }

    @Test func controlCharactersAreEscapedOnWrite() throws {
        let value = JSONValue.string("a\u{01}b\tc")
        #expect(value.jsonText == #""a\u0001b\tc""#)
        #expect(try JSONValue.parse(value.jsonText) == value)
    }
}

@Suite struct JSONStreamSplitterTests {
    static let stream = Array(#"{"type":"ADDED","object":{"s":"a}\"{"}} {"type":"BOOKMARK","object":{"n":[1,[2]]}}"#.utf8)
        + Array("\n\"text\"\n[1,2]\n".utf8)

    static func values(splitAt cuts: [Int]) throws -> [String] {
        var splitter = JSONStreamSplitter()
        var out: [String] = []
        var start = 0
        for cut in cuts + [stream.count] {
            try stream[start..<cut].withUnsafeBytes { buffer in
                for value in try splitter.append(buffer) { out.append(String(decoding: value, as: UTF8.self)) }
            }
            start = cut
        }
        #expect(splitter.bufferedBytes == 0)
        return out
    }

    @Test func wholeStreamInOneChunk() throws {
        #expect(try Self.values(splitAt: []) == [
            #"{"type":"ADDED","object":{"s":"a}\"{"}}"#,
            #"{"type":"BOOKMARK","object":{"n":[1,[2]]}}"#,
            #""text""#,
            "[1,2]",
        ])
    }

    @Test func everySplitPointGivesTheSameValues() throws {
        let whole = try Self.values(splitAt: [])
        for cut in 1..<Self.stream.count {
            #expect(try Self.values(splitAt: [cut]) == whole, "split at \(cut)")
        }
        #expect(try Self.values(splitAt: Array(1..<Self.stream.count)) == whole, "one byte per chunk")
    }

    @Test func garbageBetweenValuesIsAnError() {
        var splitter = JSONStreamSplitter()
        #expect(throws: JSONError.self) {
            try Array("{} x".utf8).withUnsafeBytes { _ = try splitter.append($0) }
        }
    }

    @Test func oversizedValueIsAnError() {
        var splitter = JSONStreamSplitter(maxValueBytes: 8)
        #expect(throws: JSONError.self) {
            try Array(#"{"a":"0123456789"#.utf8).withUnsafeBytes { _ = try splitter.append($0) }
        }
    }
}

@Suite struct KeyCacheTests {
    @Test func sharedStringsReadTheSameAsPlainOnesThroughCollisions() throws {
        // 3,000 distinct long names and values through one 1024-slot cache: every slot is reused many
        // times, and every document must still read exactly as without the cache.
        let keys = KeyCache()
        for i in 0..<3000 {
            let text = #"{"a-long-member-name-\#(i)":"a-long-string-value-number-\#(i % 700)","short":"x","lastTransitionTime":"2026-11-25T19:00:00Z","esc\u00e9aped-long-name-here":1}"#
            let cached = try Array(text.utf8).withUnsafeBytes { buffer in
                try Result { () throws(JSONError) -> JSONValue in try JSONValue.parse(buffer, keys: keys) }.get()
            }
            #expect(cached == (try JSONValue.parse(text)))
            #expect(cached.objectValue?.keys.first == "a-long-member-name-\(i)")
        }
    }
}
