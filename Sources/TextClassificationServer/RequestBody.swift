import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore

/// Reading a JSON request body: bounded, valid UTF-8, valid JSON, the expected members and
/// types, and no member the API does not know (a misspelt `top_k` is refused, not ignored).
enum RequestBody {
    /// The body, decoded; ``RequestTimedOut`` once `deadline` passes between two chunks (a
    /// client that stops sending altogether is cut off by the connection's idle timeout).
    /// Each chunk takes its share of `budget` (``ServerConfiguration/bytesPerBodyByte`` per
    /// byte) before it is kept: 503 `overloaded` when the requests in flight hold too much.
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request, maxBytes: Int,
                                        deadline: ContinuousClock.Instant, budget: BudgetShare) async throws -> Body {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw tooLarge(maxBytes)  // refused before a byte of it is read
        }
        var buffer = ByteBuffer()
        for try await chunk in request.body {
            guard buffer.readableBytes + chunk.readableBytes <= maxBytes else { throw tooLarge(maxBytes) }
            try budget.take(chunk.readableBytes * ServerConfiguration.bytesPerBodyByte)
            var chunk = chunk
            buffer.writeBuffer(&chunk)
            if ContinuousClock.now > deadline { throw RequestTimedOut() }
        }
        let bytes = buffer.readableBytesView
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ServiceError.badRequest("invalid_utf8", "the body is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch let error as ServiceError {
            throw error
        } catch let error as DecodingError {
            throw ServiceError.badRequest(code(of: error), message(of: error))
        }
    }

    private static func tooLarge(_ maxBytes: Int) -> ServiceError {
        ServiceError(.contentTooLarge, code: "body_too_large", "the body is larger than \(maxBytes) bytes; send fewer texts per request")
    }

    private static func code(of error: DecodingError) -> String {
        if case .dataCorrupted(let context) = error, context.codingPath.isEmpty { return "invalid_json" }
        return "invalid_field"
    }

    /// `texts[2]: expected a string`, `missing member "texts"`: where and what, in the API's terms.
    private static func message(of error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { path, key in
                if let index = key.intValue { return path + "[\(index)]" }
                return path.isEmpty ? key.stringValue : path + "." + key.stringValue
            }
        }
        func typeName(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is Int.Type: return "an integer"
            case is Float.Type, is Double.Type: return "a number"
            case is Bool.Type: return "true or false"
            default: return String(describing: type).hasPrefix("Array") ? "an array" : "an object"
            }
        }
        func place(_ keys: [any CodingKey]) -> String { keys.isEmpty ? "the body" : path(keys) }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(place(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(place(context.codingPath)): expected \(typeName(type)), not null"
        case .keyNotFound(let key, let context):
            let outer = path(context.codingPath)
            return "missing member \"\(key.stringValue)\"" + (outer.isEmpty ? "" : " in \(outer)")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return "the body is not valid JSON" + (detail.map { ": \($0)" } ?? "")
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "the body does not match the API: \(error)"
        }
    }
}

/// A coding key for any member name, to list the members a body has.
struct AnyMember: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws 400 `unknown_field` if the object has a member not in `known`.
    func refuseUnknownMembers(_ known: [String]) throws {
        let container = try self.container(keyedBy: AnyMember.self)
        if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw ServiceError.badRequest("unknown_field", "unknown member \"\(unknown.stringValue)\"; the request takes \(known.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }
}
