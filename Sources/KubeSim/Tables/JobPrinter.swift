import Foundation
import SluiceKube

/// The job columns of `kubectl get jobs` in v1.30 (printJob in pkg/printers/internalversion/printers.go).
enum JobPrinter {
    typealias Column = ServerTable.Column

    static var printer: ([Column], ServerTable.Cells) {
        ([ServerTable.nameColumn,
          Column(name: "Completions", description: "The desired number of successfully finished pods the job should be run with."),
          Column(name: "Duration", description: "Time required to complete the job."),
          ServerTable.ageColumn],
         { job, now in cells(job, now: now) })
    }

    static func cells(_ job: JSONObject, now: Date) -> [JSONValue] {
        let succeeded = job["status"]?["succeeded"]?.intValue ?? 0
        let completions: String
        if let wanted = job["spec"]?["completions"]?.intValue {
            completions = "\(succeeded)/\(wanted)"
        } else {
            let parallelism = job["spec"]?["parallelism"]?.intValue ?? 1
            completions = parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
        }
        var duration = ""
        if let start = job["status"]?["startTime"]?.stringValue.flatMap(KubeTime.parse) {
            let end = job["status"]?["completionTime"]?.stringValue.flatMap(KubeTime.parse) ?? now
            duration = ServerTable.humanDuration(end.timeIntervalSince(start))
        }
        return [ServerTable.name(job), .string(completions), .string(duration), ServerTable.age(job, now: now)]
    }
}
