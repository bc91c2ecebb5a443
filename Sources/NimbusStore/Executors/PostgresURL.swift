import Foundation
import PostgresNIO

/// A `postgres://user:password@host:port/database` URL, read once for the pool (`PostgresExecutor`) and for the
/// bus's own listening connection (`PostgresBus`).
struct PostgresURL: Sendable {
    let host: String
    let port: Int
    let user: String
    let password: String?
    let database: String?

    init(_ url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, let user = components.user
        else { throw StoreError.invalidDatabaseURL }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password
        self.database = database.isEmpty ? nil : database
    }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
}
