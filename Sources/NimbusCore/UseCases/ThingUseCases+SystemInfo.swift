import Foundation

extension ThingUseCases {
    /// What a thing tells about itself on `sys/*` (the vendor libraries send it on every connect), kept in its
    /// `properties.sys` under these keys so that apps can show the board and library of each thing.
    public static let systemInfoKeys: Set<String> = ["model", "version", "cpu_model", "cpu_speed", "conn"]
    /// The most bytes of one value: a board, CPU or library name, a frequency in Hz, a connection kind.
    public static let maximumSystemInfoBytes = 64

    /// Keeps one piece of system information of the calling thing (`principal` is `.device(thingId)`); `key` is the
    /// topic after `sys/` with `/` as `_` (`cpu/model` → `cpu_model`). The record is written only when the value changes.
    public func setSystemInfo(_ key: String, to value: String, of thingId: Int, by principal: Principal) async throws {
        guard case .device(let caller, _) = principal, caller == thingId else { throw NimbusError.wrongCredentialKind }
        guard Self.systemInfoKeys.contains(key) else { throw NimbusError.invalidInput(field: "sys", reason: "unknown system information \(key)") }
        let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty, value.utf8.count <= Self.maximumSystemInfoBytes else {
            throw NimbusError.invalidInput(field: "sys/\(key)", reason: "1 to \(Self.maximumSystemInfoBytes) bytes")
        }
        try Validation.plainText(value, field: "sys/\(key)")
        try await store.write { tx in
            guard var device = try await tx.devices.get(id: thingId), device.status == .activated else { throw NimbusError.notFound("thing") }
            var system = device.properties["sys"]?.objectValue ?? [:]
            guard system[key] != .string(value) else { return }
            system[key] = .string(value)
            device.properties["sys"] = .object(system)
            device.updateTime = environment.clock.now()
            try await tx.devices.update(device)
        }
    }
}
