import Foundation
import Testing

@testable import SluiceKube

@Suite struct ObjectTimeTests {
    @Test func microTimeHasExactlySixDigits() {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123456)
        #expect(RFC3339.format(date, fractionDigits: 6) == "2026-11-18T11:06:40.123456Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_000_000), fractionDigits: 6)
            == "2026-11-18T11:06:40.000000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_000_000.25), fractionDigits: 6)
            == "2026-11-18T11:06:40.250000Z")
        // Rounds to the nearest microsecond, carrying into the seconds.
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_000_000.999_999_9), fractionDigits: 6)
            == "2026-11-18T11:06:41.000000Z")
    }

    @Test func parsedMicroTimesFormatBackUnchanged() {
        for text in ["2026-11-25T19:00:00.123456Z", "2026-11-25T19:00:00.000001Z", "2026-11-25T19:00:00.999999Z",
                     "1970-01-01T00:00:00.000000Z", "2000-02-29T23:59:59.500000Z", "1969-12-31T23:59:59.900000Z"] {
            #expect(RFC3339.parse(text).map { RFC3339.format($0, fractionDigits: 6) } == text)
        }
    }

    @Test func parsesAnyFractionAndOffsets() {
        let base = RFC3339.parse("2026-11-25T19:00:00Z")
        #expect(base == Date(timeIntervalSince1970: 1_795_633_200))
        #expect(RFC3339.parse("2026-11-25T19:00:00.5Z") == Date(timeIntervalSince1970: 1_795_633_200.5))
        #expect(RFC3339.parse("2026-11-25T19:00:00.123456789Z").map { RFC3339.format($0, fractionDigits: 6) }
            == "2026-11-25T19:00:00.123457Z")
        #expect(RFC3339.parse("2026-11-25T20:30:00+01:30") == base)
        #expect(RFC3339.parse("2026-11-25T14:00:00-05:00") == base)
        #expect(RFC3339.parse("2026-11-25t19:00:00z") == base)
    }

    @Test func rejectsWhatIsNotRFC3339() {
        for text in ["", "2026-11-25", "2026-11-25T19:00:00", "2026-11-25 19:00:00Z", "2026-13-01T00:00:00Z",
                     "2026-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T19:00:00.Z",
                     "2026-11-25T19:00:00+0100", "2026-11-25T19:00:00Zjunk", "26-11-25T19:00:00Z"] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
    }

    @Test func timeIsWrittenInWholeSecondsTruncating() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_633_200.999), fractionDigits: 0)
            == "2026-11-25T19:00:00Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1), fractionDigits: 0) == "1969-12-31T23:59:59Z")
    }
}
