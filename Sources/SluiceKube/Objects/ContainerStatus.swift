import Foundation

/// The kubelet's report on one container of a pod.
public struct ContainerStatus: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    public var ready: Bool? {
        get { object[bool: "ready"] }
        set { object[bool: "ready"] = newValue }
    }
    public var restartCount: Int? {
        get { object[int: "restartCount"] }
        set { object[int: "restartCount"] = newValue }
    }
    public var image: String? {
        get { object[string: "image"] }
        set { object[string: "image"] = newValue }
    }
    public var containerID: String? {
        get { object[string: "containerID"] }
        set { object[string: "containerID"] = newValue }
    }
    /// The current state.
    public var state: ContainerState {
        get { object[view: "state"] }
        _modify { yield &object[view: "state"] }
        set { object[view: "state"] = newValue }
    }
    /// The state of the previous run, after a restart.
    public var lastState: ContainerState {
        get { object[view: "lastState"] }
        _modify { yield &object[view: "lastState"] }
        set { object[view: "lastState"] = newValue }
    }
}

/// A container's state: at most one of waiting, running and terminated is set.
public struct ContainerState: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var waiting: Waiting? {
        get { object[optionalView: "waiting"] }
        set { object[optionalView: "waiting"] = newValue }
    }
    public var running: Running? {
        get { object[optionalView: "running"] }
        set { object[optionalView: "running"] = newValue }
    }
    public var terminated: Terminated? {
        get { object[optionalView: "terminated"] }
        set { object[optionalView: "terminated"] = newValue }
    }

    /// Not started yet, e.g. pulling the image or in back-off.
    public struct Waiting: JSONObjectView {
        public var object: JSONObject
        public init(object: JSONObject) { self.object = object }

        /// E.g. "ContainerCreating", "ImagePullBackOff", "CrashLoopBackOff".
        public var reason: String? {
            get { object[string: "reason"] }
            set { object[string: "reason"] = newValue }
        }
        public var message: String? {
            get { object[string: "message"] }
            set { object[string: "message"] = newValue }
        }
    }

    /// Running since `startedAt`.
    public struct Running: JSONObjectView {
        public var object: JSONObject
        public init(object: JSONObject) { self.object = object }

        public var startedAt: Date? {
            get { object[time: "startedAt"] }
            set { object[time: "startedAt"] = newValue }
        }
    }

    /// Exited; `exitCode` is the process's status.
    public struct Terminated: JSONObjectView {
        public var object: JSONObject
        public init(object: JSONObject) { self.object = object }

        public var exitCode: Int? {
            get { object[int: "exitCode"] }
            set { object[int: "exitCode"] = newValue }
        }
        public var signal: Int? {
            get { object[int: "signal"] }
            set { object[int: "signal"] = newValue }
        }
        /// E.g. "Completed", "Error", "OOMKilled".
        public var reason: String? {
            get { object[string: "reason"] }
            set { object[string: "reason"] = newValue }
        }
        /// The termination message (the file at terminationMessagePath, or the log tail).
        public var message: String? {
            get { object[string: "message"] }
            set { object[string: "message"] = newValue }
        }
        public var startedAt: Date? {
            get { object[time: "startedAt"] }
            set { object[time: "startedAt"] = newValue }
        }
        public var finishedAt: Date? {
            get { object[time: "finishedAt"] }
            set { object[time: "finishedAt"] = newValue }
        }
    }
}
