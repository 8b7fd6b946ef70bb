import Prometheus
import TextClassification

/// The server's Prometheus metrics (`GET /metrics`, text format 0.0.4):
/// - `textclf_http_requests_total{route, method, status}` and
///   `textclf_http_request_errors_total{route, status}` (status 400 and above);
/// - `textclf_http_request_duration_seconds{route}`, a histogram;
/// - `textclf_model_pass_texts{model}`, texts per model pass (how well requests are gathered);
/// - `textclf_models_loaded` and `textclf_model_loads_total{model, result}`;
/// - drift, for models with a profile (``DriftWindow``), as of the scrape:
///   `textclf_drift_window_texts{model}`, `textclf_drift_skipped_texts{model}` (answered but
///   not profiled, the profiler being busy) and, once the window holds texts,
///   `textclf_drift_psi{model, signal}`, `textclf_drift_mean{model, signal, texts}` (`texts`:
///   `reference` or `served`) and `textclf_drift_drifted{model}`: 1 when a signal's PSI
///   reaches 0.25 over at least 500 texts (fewer are too noisy to call).
///
/// `route` is the matched pattern (`/v1/models/{name}/predict`), never the raw path, so a
/// client cannot grow the label set.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let modelsLoaded: Gauge

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10),
    ]
    static let passBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    init() {
        modelsLoaded = registry.makeGauge(descriptor: Self.name("models", "loaded", "Models loaded and serving."))
    }

    /// `textclf_NAME_UNIT`. Computed: the descriptor type is not Sendable.
    private static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "textclf", metricName: name, unitName: unit, helpText: help)
    }

    func request(route: String, method: String, status: Int, duration: Duration) {
        let code = String(status)
        registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route, method and status."),
                             labels: [("route", route), ("method", method), ("status", code)]).increment()
        if status >= 400 {
            registry.makeCounter(descriptor: Self.name("http_request_errors", "total", "HTTP requests answered with a status of 400 or above."),
                                 labels: [("route", route), ("status", code)]).increment()
        }
        registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time from a request's head to its answer."),
                                       labels: [("route", route)], buckets: Self.latencyBuckets).record(duration)
    }

    func modelPass(model: String, texts: Int) {
        registry.makeValueHistogram(descriptor: Self.name("model_pass", "texts", "Texts per model pass (requests gathered together)."),
                                    labels: [("model", model)], buckets: Self.passBuckets).record(Double(texts))
    }

    func reloaded(model: String, succeeded: Bool) {
        registry.makeCounter(descriptor: Self.name("model_loads", "total", "Model loads and reloads, by result."),
                             labels: [("model", model), ("result", succeeded ? "ok" : "failed")]).increment()
    }

    func setModelsLoaded(_ count: Int) { modelsLoaded.set(Double(count)) }

    func drift(model: String, _ drift: DataDrift, skipped: Int) {
        registry.makeGauge(descriptor: Self.name("drift_window", "texts", "Served texts in the drift window."),
                           labels: [("model", model)]).set(Double(drift.live.rows))
        registry.makeGauge(descriptor: Self.name("drift_skipped", "texts", "Served texts not profiled because the profiler was busy."),
                           labels: [("model", model)]).set(Double(skipped))
        guard drift.live.rows > 0 else { return }
        for score in drift.scores {
            let signal = score.signal.rawValue
            registry.makeGauge(descriptor: Self.name("drift", "psi", "Population stability index of a signal: served texts against the model's profile."),
                               labels: [("model", model), ("signal", signal)]).set(score.psi)
            for (texts, mean) in [("reference", score.referenceMean), ("served", score.liveMean)] {
                registry.makeGauge(descriptor: Self.name("drift", "mean", "A signal's mean over the model's profile or the served texts' window."),
                                   labels: [("model", model), ("signal", signal), ("texts", texts)]).set(mean)
            }
        }
        registry.makeGauge(descriptor: Self.name("drift", "drifted", "1 when a signal's PSI reaches 0.25 over at least 500 served texts."),
                           labels: [("model", model)]).set(Double(drift.drifted && drift.live.rows >= DataDrift.fewRows ? 1 : 0))
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> String { registry.emitToString() }
}
