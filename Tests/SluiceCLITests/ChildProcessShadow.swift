import ChildProcess

/// `Process` in this module is `ChildProcess`, not Foundation's (whose `run()` can crash on Linux; see ChildProcess).
typealias Process = ChildProcess
