import Foundation
import Hummingbird
import NIOCore
import NimbusCore

/// A JSON request body decoded into a `Decodable` type, for nested bodies (a rule with its
/// conditions, a batch of registrations) where `RequestFields`' flat JSON-or-form reading falls
/// short. Every decoding error becomes `NimbusError.invalidInput` naming the field by its path in the
/// body (`rules[2].actions[0].type`), which each dialect renders as its own invalid-input error.
public enum JSONBody {
    /// Reads the request's body (at most `NimbusRequestContext.maximumBodySize` bytes) and decodes it.
    public static func decode<Body: Decodable>(_ type: Body.Type, from request: Request, context: NimbusRequestContext) async throws -> Body {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    /// Decodes `data`; an empty body is refused as a missing `body`.
    public static func decode<Body: Decodable>(_ type: Body.Type, from data: Data) throws -> Body {
        guard data.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw NimbusError.invalidInput(field: "body", reason: "required")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw invalidInput(for: error, in: data)
        }
    }

    /// The field and the reason of a decoding error.
    static func invalidInput(for error: DecodingError, in data: Data) -> NimbusError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalidInput(field: fieldPath(context.codingPath + [key]), reason: "required")
        case .valueNotFound(_, let context):
            return .invalidInput(field: fieldPath(context.codingPath), reason: "required")
        case .typeMismatch(_, let context) where context.debugDescription.contains("found null"):
            // A `null` where a value is required: Foundation reports it as a mismatch.
            return .invalidInput(field: fieldPath(context.codingPath), reason: "required")
        case .typeMismatch(let type, let context):
            return .invalidInput(field: fieldPath(context.codingPath), reason: "must be \(describe(type))")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation also reports a number its field cannot hold (1.5 for an `Int`) as bad JSON, without the path.
            let isJSON = JSONValue(jsonText: String(decoding: data, as: UTF8.self)) != nil
            return .invalidInput(field: "body", reason: isJSON ? "holds a number its field cannot take" : "must be JSON")
        case .dataCorrupted(let context):
            return .invalidInput(field: fieldPath(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .invalidInput(field: "body", reason: "cannot be read")
        }
    }

    /// `a.b[2].c` for the keys `a`, `b`, index 2, `c`; `body` for the body itself.
    public static func fieldPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == String(index) {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path.isEmpty ? "body" : path
    }

    /// How the expected type reads in a message: "a string", "an integer", "an object".
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Character.Type: "a string"
        case is Bool.Type: "true or false"
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type, is Decimal.Type: "a number"
        case _ where type == [String: Any].self: "an object"
        case _ where type == [Any].self: "an array"
        default: "\(type)"
        }
    }
}
