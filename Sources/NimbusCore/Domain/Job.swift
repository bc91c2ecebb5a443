import Foundation

/// A scheduled job of a Cayenne account: at each of its schedule's times it sends its commands and notifications.
/// `nextRuntime` is the next time it is due (`nil`: a one-off job that has run, or an inactive one); the scheduler
/// claims it once that time has passed, runs it once however many times came while the server was down, and moves
/// `nextRuntime` to the first time after now.
public struct Job: Sendable, Hashable {
    /// A lowercase UUID, like the vendor's job ids.
    public var id: String
    public var projectId: Int
    public var homeId: Int
    public var title: String
    public var active: Bool
    public var schedule: JobSchedule
    public var actions: [RuleAction]
    public var notifications: [RuleNotification]
    public var httpPush: [HTTPPush]
    public var nextRuntime: Date?
    public var runCount: Int
    public var lastRun: Date?
    /// The vendor's `__v`: how many times the job was changed.
    public var version: Int
    public var creationTime: Date
    public var updateTime: Date

    public init(
        id: String, projectId: Int, homeId: Int, title: String, active: Bool, schedule: JobSchedule, actions: [RuleAction],
        notifications: [RuleNotification], httpPush: [HTTPPush] = [], nextRuntime: Date?, runCount: Int = 0, lastRun: Date? = nil, version: Int = 0, creationTime: Date,
        updateTime: Date
    ) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.title = title
        self.active = active
        self.schedule = schedule
        self.actions = actions
        self.notifications = notifications
        self.httpPush = httpPush
        self.nextRuntime = nextRuntime
        self.runCount = runCount
        self.lastRun = lastRun
        self.version = version
        self.creationTime = creationTime
        self.updateTime = updateTime
    }
}

/// When a job runs: once at `start` (`date`), or at `start` and every `interval` `unit`s after it (`interval`), counted
/// in the job's time zone, so that "every day at 6:00" stays at 6:00 local time across daylight-saving changes.
public struct JobSchedule: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case interval, date
    }

    public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
        case minute, hour, day, month, year
    }

    public var kind: Kind
    public var interval: Int
    public var unit: Unit
    /// The first run, an instant (the wire gives it in UTC).
    public var start: Date
    /// An IANA time zone name.
    public var timeZone: String

    public init(kind: Kind, interval: Int, unit: Unit, start: Date, timeZone: String) {
        self.kind = kind
        self.interval = interval
        self.unit = unit
        self.start = start
        self.timeZone = timeZone
    }

    /// The first run strictly after `instant`, or `nil` when there is none (a one-off job whose time has passed).
    public func next(after instant: Date) -> Date? {
        if start > instant { return start }
        guard kind == .interval, interval > 0 else { return nil }
        switch unit {
        case .minute, .hour:
            // Fixed lengths: an hour is an hour even on the night the clocks change.
            let step = Double(interval) * (unit == .minute ? 60 : 3_600)
            let elapsed = instant.timeIntervalSince(start)
            return start + (elapsed / step).rounded(.down) * step + step
        case .day, .month, .year:
            // Calendar steps in the job's zone, each counted from the start (a monthly job on the 31st runs on the last
            // day of shorter months and on the 31st again after them).
            let approximate: Double = switch unit {
            case .day: 86_400
            case .month: 28 * 86_400
            default: 365 * 86_400
            }
            var count = max(0, Int(instant.timeIntervalSince(start) / (approximate * Double(interval))) - 2)
            while let candidate = occurrence(count) {
                if candidate > instant { return candidate }
                count += 1
            }
            return nil
        }
    }

    /// The next `count` runs after `instant`, for clients that show what is coming.
    public func upcoming(after instant: Date, count: Int) -> [Date] {
        var runs: [Date] = []
        var cursor = instant
        while runs.count < count, let next = next(after: cursor) {
            runs.append(next)
            cursor = next
        }
        return runs
    }

    /// `start` plus `index` steps in the job's zone.
    private func occurrence(_ index: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        let component: Calendar.Component = switch unit {
        case .minute: .minute
        case .hour: .hour
        case .day: .day
        case .month: .month
        case .year: .year
        }
        return calendar.date(byAdding: component, value: index * interval, to: start)
    }
}

/// One run of a job: when it was due, when it ran, and what each action and notification became.
public struct JobRun: Sendable, Hashable {
    public var id: Int
    public var jobId: String
    public var homeId: Int
    public var scheduledFor: Date
    public var time: Date
    public var outcomes: [RuleLogEntry.Outcome]

    public init(id: Int, jobId: String, homeId: Int, scheduledFor: Date, time: Date, outcomes: [RuleLogEntry.Outcome]) {
        self.id = id
        self.jobId = jobId
        self.homeId = homeId
        self.scheduledFor = scheduledFor
        self.time = time
        self.outcomes = outcomes
    }
}
