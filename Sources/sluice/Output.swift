import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes lines to the standard streams.
enum FileHandleOutput {
    static func standardError(_ text: String) {
        guard !text.isEmpty else { return }
        write(fd: 2, text)
    }

    static func standardOutput(_ text: String) {
        write(fd: 1, text)
    }

    private static func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, p, n)
        #else
        Darwin.write(fd, p, n)
        #endif
    }

    private static func write(fd: Int32, _ text: String) {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = posixWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// `-o text|json|yaml`, the same on every command that prints data: text for people, JSON for tools, and
/// YAML of exactly the structure the JSON has.
/// `-o` of commands that print a document for tools and have no text form (`compile`, `render`): the parser
/// itself refuses anything else, and `--help` lists only these.
enum DocumentFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    case json, yaml
}

enum OutputFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    case text, json, yaml

    /// The help line of `-o` on commands whose default is text.
    static let help = ArgumentHelp("Output: text, json or yaml (the same structure as json).", valueName: "format")

    /// `value` as one JSON or YAML document (sorted keys), or nil for text: the command prints its own text.
    func document<T: Encodable>(_ value: T) throws -> String? {
        switch self {
        case .text: return nil
        case .json: return try JSONText.encode(value)
        case .yaml: return try YAMLText.from(json: JSONText.encode(value))
        }
    }

    /// Prints `value` as JSON or YAML and returns true; returns false for text.
    @discardableResult
    func print<T: Encodable>(_ value: T) throws -> Bool {
        guard let text = try document(value) else { return false }
        FileHandleOutput.standardOutput(text)
        return true
    }

    /// One record of a stream (`events`): a JSON line, or a YAML document that starts with `---`.
    func record<T: Encodable>(_ value: T) throws -> String? {
        switch self {
        case .text: return nil
        case .json: return try JSONText.line(value)
        case .yaml: return "---\n" + (try YAMLText.from(json: JSONText.encode(value)))
        }
    }
}

/// Text from tasks and people (failure messages, stderr tails, progress messages, comments, event messages),
/// made safe to print on a terminal: control characters, including ESC and the C1 range, are shown as
/// `\u{1b}` instead of being obeyed, so a task cannot move the cursor, retitle the window or write the
/// clipboard of whoever reads its run.
enum TerminalText {
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            if isControl(s) { out += "\\u{\(String(s.value, radix: 16))}" } else { out.unicodeScalars.append(s) }
        }
        return out
    }

    /// A log line for a terminal: colours (SGR, `ESC [ ... m`) pass (or are dropped, without `colours`); every
    /// other control sequence is shown.
    static func log(_ text: String, colours: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" && $0 != "\r" }) else { return text }
        var out = ""
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\u{1b}", i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2
                while j < scalars.count, ("0"..."9").contains(scalars[j]) || scalars[j] == ";" { j += 1 }
                if j < scalars.count, scalars[j] == "m" {
                    if colours { out.unicodeScalars.append(contentsOf: scalars[i...j]) }
                    i = j + 1
                    continue
                }
            }
            if isControl(s) && s != "\n" && s != "\t" && s != "\r" {
                out += "\\u{\(String(s.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(s)
            }
            i += 1
        }
        return out
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7f...0x9f).contains(s.value)
    }
}

/// Where `sluice logs` writes a task's output: as is into a pipe or file, and on a terminal with every control
/// sequence but colours made visible (`--raw` turns that off); colours too are dropped under `NO_COLOR` or
/// `TERM=dumb`.
enum LogOutput {
    nonisolated(unsafe) static var sanitize = false

    static func write(_ data: Data) {
        guard sanitize else { return FileHandle.standardOutput.write(data) }
        FileHandle.standardOutput.write(Data(TerminalText.log(String(decoding: data, as: UTF8.self), colours: Terminal.isRich).utf8))
    }
}
