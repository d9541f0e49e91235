import Foundation

/// A thread-safe queue the controller thread sleeps on until something arrives or a deadline passes.
final class Mailbox<Message: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Message] = []

    func post(_ m: Message) {
        condition.lock()
        items.append(m)
        condition.signal()
        condition.unlock()
    }

    /// Everything queued, waiting until `deadline` when nothing is.
    func take(until deadline: Date) -> [Message] {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            if !condition.wait(until: deadline) { break }
        }
        let out = items
        items.removeAll(keepingCapacity: true)
        return out
    }
}
