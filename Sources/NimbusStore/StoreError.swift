/// Failures of the store itself (as opposed to the rules of the core).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case invalidDatabaseURL
    case migrationFailed(version: Int, underlying: String)
    case unexpectedRow(String)

    public var description: String {
        switch self {
        case .invalidDatabaseURL: "the database URL must look like postgres://user:password@host:port/database"
        case .migrationFailed(let version, let underlying): "migration \(version) failed: \(underlying)"
        case .unexpectedRow(let what): "unexpected database row: \(what)"
        }
    }
}
