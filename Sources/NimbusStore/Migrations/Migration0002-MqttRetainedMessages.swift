extension Migration {
    /// Migration 2: mqtt retained messages.
    static let mqttRetainedMessages = Migration(version: 2, name: "mqtt retained messages", statements: [
        // One row per topic (mount point included); the message is stored as an MQTT 5 PUBLISH packet.
        "CREATE TABLE mqtt_retained (topic TEXT PRIMARY KEY, message {blob} NOT NULL)",
    ])
}
