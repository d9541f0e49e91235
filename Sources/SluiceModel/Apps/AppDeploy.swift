/// The names that tie a flow to the apps of its file: the task a `deploy: NAME` step runs, and the variable a task
/// that `uses:` an app reads its URL from.
public enum AppDeploy {
    /// The plugin type of the task the compiler makes for `deploy: NAME` (run in the controller by `sluice serve`).
    public static let taskType = "deploy"
    /// The prefix of that task's name; the rest is the app's name (`deploy:scorer`).
    public static let taskPrefix = "deploy:"

    /// The name of the task that deploys app `app`.
    public static func taskName(_ app: String) -> String { taskPrefix + app }

    /// The app a deploy task's name names, or nil for any other task.
    public static func app(ofTask name: String) -> String? {
        name.hasPrefix(taskPrefix) ? String(name.dropFirst(taskPrefix.count)) : nil
    }

    /// `SLUICE_APP_<NAME>_URL`: the app's name upper-cased, `-` written `_`.
    public static func urlVariable(_ app: String) -> String {
        "SLUICE_APP_" + String(app.uppercased().map { $0 == "-" ? "_" : $0 }) + "_URL"
    }

    /// The app's address through the gateway of the server at `base` (`http://HOST:PORT`).
    public static func url(base: String, app: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/apps/" + app
    }
}
