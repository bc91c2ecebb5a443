import Foundation
import Testing

@testable import NimbusCore

@Suite("Job schedules")
struct JobScheduleTests {
    func utc(_ text: String) -> Date { Timestamp.parse(text)! }

    @Test("a daily job at 6:00 in New York stays at 6:00 local time across both daylight-saving changes")
    func dailyAcrossDST() {
        // 2027-03-14 the US springs forward, 2027-11-07 it falls back; 06:00 EST is 11:00Z, 06:00 EDT 10:00Z.
        let schedule = JobSchedule(kind: .interval, interval: 1, unit: .day, start: utc("2027-03-12T11:00:00Z"), timeZone: "America/New_York")
        #expect(schedule.upcoming(after: utc("2027-03-12T10:59:00Z"), count: 4) == [
            utc("2027-03-12T11:00:00Z"), utc("2027-03-13T11:00:00Z"), utc("2027-03-14T10:00:00Z"), utc("2027-03-15T10:00:00Z"),
        ])
        #expect(schedule.upcoming(after: utc("2027-11-05T12:00:00Z"), count: 3) == [
            utc("2027-11-06T10:00:00Z"), utc("2027-11-07T11:00:00Z"), utc("2027-11-08T11:00:00Z"),
        ])
    }

    @Test("minutes and hours are fixed lengths, counted from the start; missed runs collapse into the next one")
    func fixedSteps() {
        let start = utc("2026-12-05T09:00:30Z")
        let everyFive = JobSchedule(kind: .interval, interval: 5, unit: .minute, start: start, timeZone: "Europe/Amsterdam")
        #expect(everyFive.next(after: start) == utc("2026-12-05T09:05:30Z"))
        #expect(everyFive.next(after: utc("2026-12-05T11:17:00Z")) == utc("2026-12-05T11:20:30Z"), "two hours down: one run, the next on the grid")
        let hourly = JobSchedule(kind: .interval, interval: 1, unit: .hour, start: utc("2027-03-28T00:30:00Z"), timeZone: "Europe/Amsterdam")
        #expect(hourly.upcoming(after: utc("2027-03-28T00:00:00Z"), count: 3) == [
            utc("2027-03-28T00:30:00Z"), utc("2027-03-28T01:30:00Z"), utc("2027-03-28T02:30:00Z"),
        ], "the night the clocks go forward still has a run every hour")
    }

    @Test("months count from the start: the 31st runs on the last day of shorter months and on the 31st again after them")
    func months() {
        let schedule = JobSchedule(kind: .interval, interval: 1, unit: .month, start: utc("2027-01-31T08:00:00Z"), timeZone: "UTC")
        #expect(schedule.upcoming(after: utc("2027-01-31T08:00:00Z"), count: 3) == [
            utc("2027-02-28T08:00:00Z"), utc("2027-03-31T08:00:00Z"), utc("2027-04-30T08:00:00Z"),
        ])
        let yearly = JobSchedule(kind: .interval, interval: 2, unit: .year, start: utc("2024-02-29T08:00:00Z"), timeZone: "UTC")
        #expect(yearly.next(after: utc("2030-01-01T00:00:00Z")) == utc("2030-02-28T08:00:00Z"))
    }

    @Test("a one-off job runs at its time and never after it")
    func once() {
        let schedule = JobSchedule(kind: .date, interval: 1, unit: .day, start: utc("2027-01-01T00:00:00Z"), timeZone: "UTC")
        #expect(schedule.next(after: utc("2026-12-31T23:59:59Z")) == utc("2027-01-01T00:00:00Z"))
        #expect(schedule.next(after: utc("2027-01-01T00:00:00Z")) == nil)
        #expect(schedule.upcoming(after: utc("2026-01-01T00:00:00Z"), count: 5).count == 1)
    }
}
