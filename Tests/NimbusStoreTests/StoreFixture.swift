import Foundation
import Logging
import NimbusCore
import NimbusStore

/// The backends the store suite runs against: SQLite always, PostgreSQL when
/// `NIMBUS_TEST_POSTGRES_URL` names a server (CI starts one).
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var available: [StoreBackend] {
        ProcessInfo.processInfo.environment["NIMBUS_TEST_POSTGRES_URL"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// Opens a fresh, migrated store. PostgreSQL tests share one database, so every test creates its
    /// own project and never assumes it is alone.
    func open() async throws -> SQLStore {
        let logger = Logger(label: "store-test")
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-store-\(UUID().uuidString)").path
            return try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        case .postgres:
            let url = ProcessInfo.processInfo.environment["NIMBUS_TEST_POSTGRES_URL"]!
            return try await SQLStore.open(databaseURL: url, dataDirectory: "", logger: logger)
        }
    }
}

import Testing

/// Runs `body` with a store of the backend and closes the store afterwards, whatever happens.
func withStore(_ backend: StoreBackend, _ body: (SQLStore) async throws -> Void) async throws {
    let store = try await backend.open()
    do {
        try await body(store)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}
