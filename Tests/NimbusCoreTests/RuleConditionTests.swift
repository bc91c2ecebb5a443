import Foundation
import Testing

@testable import NimbusCore

@Suite("Rule conditions")
struct RuleConditionTests {
    func holds(_ op: RuleCondition.Operator, _ values: [String], _ value: ReadingValue) -> Bool {
        RuleCondition(operator: op, values: values).holds(for: value)
    }

    @Test("numbers compare as numbers, text as text, and each operator means what it says")
    func operators() {
        #expect(holds(.gt, ["20"], .number(20.5)) && !holds(.gt, ["20"], .number(20)))
        #expect(holds(.gte, ["20"], .number(20)) && holds(.lte, ["20"], .number(20)) && !holds(.lt, ["20"], .number(20)))
        #expect(holds(.eq, ["1"], .number(1)) && holds(.eq, ["1.0"], .number(1)) && holds(.neq, ["1"], .number(2)))
        #expect(holds(.gt, ["9"], .number(10)), "10 > 9 as numbers, though not as text")
        #expect(holds(.eq, ["on"], .text("on")) && holds(.neq, ["on"], .text("off")))
        #expect(holds(.gt, ["abc"], .text("abd")) && !holds(.eq, ["1"], .text("one")), "text compares as text")
        #expect(holds(.in, ["0", "2", "4"], .number(2)) && !holds(.in, ["0", "2"], .number(3)))
        #expect(holds(.between, ["10", "20"], .number(10)) && holds(.between, ["10", "20"], .number(20)) && !holds(.between, ["10", "20"], .number(20.1)))
        #expect(!holds(.between, ["10"], .number(15)), "a between without its two bounds never holds")
        #expect(holds(.gt, ["52"], .numbers([52.3, 4.8])), "several numbers (GPS) compare by their first")
    }

    @Test("AND needs every trigger to hold, OR any; a trigger without a reading does not hold")
    func combinations() {
        let and = RuleDefinition(triggers: [], combination: .and)
        let or = RuleDefinition(triggers: [], combination: .or)
        #expect(and.holds([true, true]) && !and.holds([true, nil]) && !and.holds([true, false]) && !and.holds([]))
        #expect(or.holds([nil, true]) && !or.holds([nil, false]) && !or.holds([]))
    }

    @Test("a trigger watches its thing's channel, whether it names the device or the channel's sensor")
    func watching() {
        let reading = Reading(id: 1, projectId: 1, homeId: 1, deviceId: 10, sensorId: 11, channel: "3", value: .number(1), type: nil, unit: nil, timestamp: Date())
        #expect(RuleTrigger(thingId: 10, channel: "3", conditions: []).watches(reading))
        #expect(RuleTrigger(thingId: 11, channel: "3", conditions: []).watches(reading))
        #expect(!RuleTrigger(thingId: 10, channel: "4", conditions: []).watches(reading))
        #expect(!RuleTrigger(thingId: 12, channel: "3", conditions: []).watches(reading))
    }

    @Test("a geofence holds inside its circle (or outside it), by great-circle distance, for locations only")
    func geofence() {
        let depot = ["48.8566", "2.3522", "500"]
        #expect(holds(.inside, depot, .numbers([48.8570, 2.3530, 35])), "about 70 m away")
        #expect(!holds(.inside, depot, .numbers([48.8700, 2.3522])) && holds(.outside, depot, .numbers([48.8700, 2.3522])), "about 1.5 km")
        #expect(!holds(.inside, depot, .number(48.8566)) && !holds(.outside, depot, .number(48.8566)), "a plain number is no location")
        #expect(abs(RuleCondition.metres(from: (48.8566, 2.3522), to: (51.5074, -0.1278)) - 343_500) < 1_500, "Paris to London")
        #expect(RuleCondition.circle(["91", "0", "1"]) == nil && RuleCondition.circle(["0", "0", "0"]) == nil && RuleCondition.circle(["0", "0"]) == nil)
    }

    @Test("a state trigger: online while connected, offline once disconnected for its minutes, never before a first connection")
    func connectionState() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let online = RuleTrigger(thingId: 1, channel: "", conditions: [RuleCondition(operator: .online, values: [])])
        let offline = RuleTrigger(thingId: 1, channel: "", conditions: [RuleCondition(operator: .offline, values: ["5"])])
        #expect(online.isState && offline.isState && !RuleTrigger(thingId: 1, channel: "1", conditions: [RuleCondition(operator: .gt, values: ["1"])]).isState)
        #expect(online.holds(connected: true, since: now, at: now) && !online.holds(connected: false, since: now, at: now))
        #expect(!offline.holds(connected: false, since: now - 299, at: now) && offline.holds(connected: false, since: now - 300, at: now))
        #expect(!offline.holds(connected: true, since: now - 3_600, at: now) && !offline.holds(connected: false, since: nil, at: now))
        let reading = Reading(id: 1, projectId: 1, homeId: 1, deviceId: 1, sensorId: 1, channel: "", value: .number(1), type: nil, unit: nil, timestamp: now)
        #expect(!online.watches(reading), "readings never drive a state trigger")
    }
}
