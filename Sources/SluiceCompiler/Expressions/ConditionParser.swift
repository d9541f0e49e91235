import SluiceModel
// TEMPORARY STUB (to be replaced by helper-2's parser)
public struct ConditionParser {
    public static func parse(_ text: String, itemNames: Set<String> = []) throws(ConditionSyntaxError) -> Condition {
        throw ConditionSyntaxError(text: text, offset: 0, message: "stub")
    }
}
public struct ConditionSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var offset: Int
    public var message: String
    public var description: String { message }
}
