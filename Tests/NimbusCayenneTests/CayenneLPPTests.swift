import Foundation
import NimbusCore
import Testing

@testable import NimbusCayenne

/// Cayenne LPP frames (`seed-apis.md` §2.7) as readings.
@Suite("Cayenne LPP")
struct CayenneLPPTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
    }

    @Test("the seed's worked example: temperature, humidity and GPS")
    func workedExample() throws {
        let readings = try CayenneLPP.readings(in: bytes("016700ff02685f038807fdc300bf5b0004e2"), at: now)
        #expect(readings.map(\.channel) == ["1", "2", "3"])
        #expect(readings[0] == NewReading(channel: "1", value: .number(25.5), type: "temp", unit: "c", timestamp: now))
        #expect(readings[1] == NewReading(channel: "2", value: .number(47.5), type: "rel_hum", unit: "p", timestamp: now))
        guard case .numbers(let gps) = readings[2].value else { Issue.record("GPS is three numbers"); return }
        #expect(abs(gps[0] - 52.3715) < 1e-9 && abs(gps[1] - 4.8987) < 1e-9 && abs(gps[2] - 12.5) < 1e-9)
    }

    @Test("negative values, three-axis types and extensions")
    func signedAndExtensions() throws {
        // -10.5 °C; accelerometer (-1, 0.5, 1) G; voltage 3.29 V; switch on.
        let readings = try CayenneLPP.readings(in: bytes("0567ff97" + "0671fc1801f403e8" + "07740149" + "088e01"), at: now)
        #expect(readings.map(\.value) == [.number(-10.5), .numbers([-1, 0.5, 1]), .number(3.29), .number(1)])
        #expect(readings.map(\.type) == ["temp", "accel", "voltage", "switch"])
    }

    @Test("truncated records, unknown types and empty frames are refused", arguments: ["0167", "01", "05ff00", "", "016700ff0268"])
    func refused(hex: String) {
        #expect(throws: NimbusError.self) { try CayenneLPP.readings(in: bytes(hex), at: now) }
    }
}
