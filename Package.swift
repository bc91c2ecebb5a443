// swift-tools-version:6.2
import PackageDescription

/// Every Nimbus target builds in the Swift 6 language mode with strict concurrency and the
/// upcoming features Hummingbird itself enables, so warnings stay at zero and imports stay explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "nimbus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nimbus", targets: ["nimbus"]),
        .executable(name: "nimbus-hello", targets: ["nimbus-hello"]),
        .executable(name: "reading-ingest-bench", targets: ["reading-ingest-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Pinned to 2.8.x: `HTTP1WebSocketChannel` copies its upgrade channel and uses the same SPI of swift-websocket.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", .upToNextMinor(from: "2.8.1")),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // NimbusHTTP uses WSCore's `WebSocketHandler.handle` through SPI (`@_spi(WSInternal)`), which may change in
        // any release: pinned to 1.6.x, like hummingbird-websocket below whose upgrade channel it mirrors.
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", .upToNextMinor(from: "1.6.2")),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        // NimbusStore calls the SQLite library that SQLiteNIO vendors (its `VaporCSQLite` module, whose functions
        // are prefixed `sqlite_nio_`) directly, so that the process holds one copy of SQLite: that module is not a
        // product, and may change in any release, so it is pinned to 1.13.x.
        .package(url: "https://github.com/vapor/sqlite-nio.git", .upToNextMinor(from: "1.13.2")),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Domain types, use cases (authorization + invariants) and the ports they need.
        // Knows nothing of HTTP, SQL, MQTT or any dialect's JSON.
        // The one Linux call Swift cannot make through Glibc (`syscall` is variadic): a thread's scheduler time slice.
        .target(name: "CNimbusLinux"),
        .target(
            name: "NimbusCore",
            dependencies: [
                "CNimbusLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // One SQLKit implementation of the core's repository ports, over SQLite and PostgreSQL.
        // The MQTT broker's session and retained stores over the SQL store, so that NimbusStore knows nothing of MQTT.
        .target(
            name: "NimbusMQTTStore",
            dependencies: [
                "NimbusMQTT", "NimbusStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NimbusStore",
            dependencies: [
                "NimbusCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The durable outbox and the senders that drain it: SMTP mail, SMS gateway, webhooks.
        .target(
            name: "NimbusAutomation",
            dependencies: [
                "NimbusCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every HTTP dialect shares: the request context, the JSON-or-form body reader, and the
        // HTTP/1.1 channel whose WebSocket refusals carry the dialect's error body.
        .target(
            name: "NimbusHTTP",
            dependencies: [
                "NimbusCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The MODE dialect: REST routes, WebSockets and wire models under /mode.
        .target(
            name: "NimbusMODE",
            dependencies: [
                "NimbusCore",
                "NimbusHTTP",
                "NimbusMQTT",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The OpenAPI document, served at /openapi/mode.json.
            resources: [.copy("OpenAPI/mode.json")],
            swiftSettings: swiftSettings
        ),
        // The Cayenne dialect: the auth service (OAuth 2.0 server, users, applications) under /cayenne.
        .target(
            name: "NimbusCayenne",
            dependencies: [
                "NimbusCore",
                "NimbusHTTP",
                "NimbusMQTT",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            // The OpenAPI document, served at /openapi/cayenne.json.
            resources: [.copy("OpenAPI/cayenne.json"), .copy("Resources/datatypes.json")],
            swiftSettings: swiftSettings
        ),
        // The WiFi Motion dialect: Cognitive Systems' App Cloud API under /wifimotion/api/v1.
        .target(
            name: "NimbusWiFiMotion",
            dependencies: [
                "NimbusCore",
                "NimbusHTTP",
                "NimbusMQTT",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The OpenAPI document, served at /openapi/wifimotion.json.
            resources: [.copy("OpenAPI/wifimotion.json")],
            swiftSettings: swiftSettings
        ),
        // The web console at /console: its HTML, CSS and JavaScript (Web/, served as they are) and the routes that
        // serve them; the pages use the public Cayenne APIs only.
        .target(
            name: "NimbusConsole",
            dependencies: [
                "NimbusCore",
                "NimbusHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Web"), .copy("OpenAPI/console.json")],
            swiftSettings: swiftSettings
        ),
        // The MQTT broker: wire codec (one file per packet), topics and the subscription index, the pure session
        // state machine, the broker actor, and the connection loop with its TCP/TLS listener. Knows no dialect.
        .target(
            name: "NimbusMQTT",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Application assembly: configuration → store, bus, senders, dialects → one ServiceGroup.
        .target(
            name: "NimbusServer",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                "NimbusMQTTStore",
                "NimbusAutomation",
                "NimbusMODE",
                "NimbusCayenne",
                "NimbusWiFiMotion",
                "NimbusConsole",
                "NimbusHTTP",
                "NimbusMQTT",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // The executable: `nimbus serve` and the admin commands, nothing else.
        .executableTarget(
            name: "nimbus",
            dependencies: [
                // The assembly is NimbusServer's alone. The admin commands print the core's types, so the core
                // is named too: an incremental build recompiled the executable only when a module it names
                // changed, and a stale copy of the core's layout crashed `nimbus project create`.
                "NimbusServer",
                "NimbusCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // A Hummingbird hello-world server: the baseline the event-ingest benchmark compares against.
        .executableTarget(
            name: "nimbus-hello",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/nimbus-hello",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "reading-ingest-bench",
            dependencies: ["NimbusCore", "NimbusStore", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/ReadingIngest",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusCoreTests",
            dependencies: ["NimbusCore", "NimbusStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusServerTests",
            dependencies: [
                "NimbusServer", "NimbusHTTP", "NimbusMQTT",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusStoreTests",
            dependencies: [
                "NimbusCore", "NimbusStore", "NimbusMQTT", "NimbusMQTTStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusAutomationTests",
            dependencies: [
                "NimbusCore", "NimbusAutomation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusMQTTTests",
            dependencies: [
                "NimbusMQTT",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // NimbusHTTP: one error middleware for both dialects, typed JSON bodies, early routes.
        .testTarget(
            name: "NimbusHTTPTests",
            dependencies: [
                "NimbusCore", "NimbusHTTP", "NimbusMODE", "NimbusCayenne",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusCayenneTests",
            dependencies: ["NimbusCayenne", "NimbusCore", "NimbusMQTT"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusMODETests",
            dependencies: [
                "NimbusCore", "NimbusMODE", "NimbusCayenne", "NimbusWiFiMotion", "NimbusConsole", "NimbusMQTT", "NimbusHTTP", "NimbusServer", "NimbusStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
