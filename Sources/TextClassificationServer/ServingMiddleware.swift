import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore

/// Wraps every route: logs it (one line per request, with its id, status and time), refuses a request beyond the concurrency limit (429), turns every error
/// (a timeout among them: 504) into the JSON error body, and records the request in the
/// metrics. The routes bound their own time: predict by a deadline checked as its body
/// arrives and when its model pass takes it, explain by ``ExplainPool``.
struct ServingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let timeout: Duration
    /// Requests being handled, against `--max-concurrent`.
    let inFlight: BoundedCount

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        if Self.isProbe(request) {
            // Outside the limits: a liveness probe answered 429 would restart a healthy server.
            do { response = try await next(request, context) } catch {
                response = Self.response(for: error, request: request, context: context, timeout: timeout)
            }
        } else if inFlight.enter() {
            defer { inFlight.leave() }
            do {
                response = try await next(request, context)
            } catch {
                response = Self.response(for: error, request: request, context: context, timeout: timeout)
            }
        } else {
            response = Self.response(for: ServiceError(.tooManyRequests, code: "too_many_requests",
                                                       "more than \(inFlight.limit) requests at once; retry later"),
                                     request: request, context: context, timeout: timeout)
        }
        let duration = ContinuousClock.now - started
        metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                        status: response.status.code, duration: duration)
        // The access log; the request id (hb.request.id) is in the logger's metadata.
        context.logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code)", metadata: [
            "status": "\(response.status.code)",
            "ms": "\(Double(duration.components.attoseconds / 1_000_000_000_000) / 1000 + Double(duration.components.seconds) * 1000)",
        ])
        return response
    }

    /// Health, readiness and metrics: cheap, bodiless GETs that orchestrators poll.
    static func isProbe(_ request: Request) -> Bool {
        request.method == .get && probePaths.contains(request.uri.path)
    }

    /// The JSON error answer for `error`: its own for a ``ServiceError``; Hummingbird's
    /// errors (an unknown route, a body too large) keep their status with our body.
    static func response(for error: any Error, request: Request, context: Context, timeout: Duration) -> Response {
        let refusal: ServiceError
        switch error {
        case let error as ServiceError:
            refusal = error
        case is RequestTimedOut:
            refusal = ServiceError(.gatewayTimeout, code: "timeout", "the request was not answered within \(timeout); send fewer texts per request")
        case is NIOTooManyBytesError:
            refusal = ServiceError(.contentTooLarge, code: "body_too_large", "the body is too large")
        case let error as HTTPError where error.status == .notFound:
            let allowed = Routes.methods(allowedFor: request.uri.path)
            refusal = allowed.isEmpty
                ? ServiceError(.notFound, code: "not_found", "no route \(request.uri.path); see GET /openapi.json")
                : ServiceError(.methodNotAllowed, code: "method_not_allowed",
                               "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method.rawValue)",
                               headers: [.allow: allowed.joined(separator: ", ")])
        case let error as any HTTPResponseError:
            refusal = ServiceError(error.status, code: "http_\(error.status.code)", error.status.reasonPhrase)
        default:
            // The details stay in the log, found by the request id the client is given.
            context.logger.error("request failed: \(error)")
            let id = context.logger[metadataKey: "hb.request.id"].map { " (request \($0))" } ?? ""
            refusal = ServiceError(.internalServerError, code: "internal", "the server failed to answer\(id); its log says why")
        }
        // Building a JSON body cannot fail; the bare status is the fallback all the same.
        return (try? refusal.response(from: request, context: context)) ?? Response(status: refusal.status)
    }
}

struct RequestTimedOut: Error {}

/// The paths of ``ServingMiddleware/isProbe(_:)`` (a generic type cannot store it).
private let probePaths: Set<String> = ["/healthz", "/readyz", "/metrics"]
