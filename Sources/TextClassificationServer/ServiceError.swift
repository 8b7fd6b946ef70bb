import Foundation
import Hummingbird

/// A refused request: an HTTP status and a JSON body `{"error": {"code", "message"}}` whose
/// code a client can branch on and whose message a person can act on.
public struct ServiceError: Error, HTTPResponseError, Sendable {
    /// The HTTP status: 4xx for what the client can fix, 5xx for what it should retry.
    public var status: HTTPResponse.Status
    /// A stable, machine-readable reason (`invalid_json`, `unknown_model`, …; see openapi.json).
    public var code: String
    /// What is wrong and what to do, for a person.
    public var message: String
    /// Sent with the error: `Allow` for a 405, `Retry-After` for a 429 or 503.
    public var headers: HTTPFields

    /// An error answered with `status`, `code` and `message`; a 429 or 503 also tells the
    /// client to retry after a second.
    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        if status == .tooManyRequests || status == .serviceUnavailable { self.headers[.retryAfter] = "1" }
    }

    /// The response Hummingbird sends: the status, the JSON body and the headers.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var json = "{\"error\":{\"code\":"
        json += Self.quoted(code) + ",\"message\":" + Self.quoted(message) + "}}"
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// `s` as a JSON string.
    static func quoted(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: The errors of the API

    static func unknownModel(_ name: String, known: [String]) -> ServiceError {
        ServiceError(.notFound, code: "unknown_model",
                     "no model named \"\(name)\"; this server has: \(known.joined(separator: ", "))")
    }

    static func invalid(_ message: String) -> ServiceError {
        ServiceError(.unprocessableContent, code: "invalid_request", message)
    }

    static func badRequest(_ code: String, _ message: String) -> ServiceError {
        ServiceError(.badRequest, code: code, message)
    }
}
