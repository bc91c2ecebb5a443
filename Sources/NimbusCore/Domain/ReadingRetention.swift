import Foundation

/// How long a project keeps what its things said. Raw readings and per-minute rollups are kept for the days given
/// (`nil`: for ever); hour and day rollups, a few dozen rows per channel and day, always, so a long range stays
/// answerable after its readings are gone. Minute rollups are kept at least as long as the readings.
public struct ReadingRetention: Sendable, Hashable {
    public var projectId: Int
    public var readingDays: Int?
    public var minuteRollupDays: Int?

    public init(projectId: Int, readingDays: Int?, minuteRollupDays: Int?) {
        self.projectId = projectId
        self.readingDays = readingDays
        self.minuteRollupDays = minuteRollupDays
    }

    /// The longest a retention may be: a hundred years.
    public static let maximumDays = 36_500
}
