import Prometheus
import Synchronization
import TextClassification

/// The server's Prometheus metrics (`GET /metrics`, text format 0.0.4):
/// - `textclf_http_requests_total{route, method, status}` and
///   `textclf_http_request_errors_total{route, status}` (status 400 and above);
/// - `textclf_http_request_duration_seconds{route}`, a histogram;
/// - `textclf_model_pass_texts{model, version}`, texts per model pass (how well requests are gathered);
/// - `textclf_models_loaded` (versions loaded) and `textclf_model_loads_total{model, version, result}`;
/// - `textclf_answered_requests_total{model, version}`: predict requests each version answered
///   (a canary's share is its count over the model's);
/// - shadows (``ShadowComparison``): `textclf_shadow_texts_total{model, primary, shadow,
///   result}` (`agree` or `flip`), `textclf_shadow_flips_total{model, primary, shadow, from,
///   to}` (the primary's label, the shadow's; at most ``maxFlipPairs`` pairs a model, the rest
///   counted as `from="other"`) and `textclf_shadow_skipped_texts_total{model, shadow}`
///   (answered but not shadowed: the shadow was behind);
/// - drift, for versions with a profile (``DriftWindow``), as of the scrape:
///   `textclf_drift_window_texts{model, version}`, `textclf_drift_skipped_texts{model, version}`
///   (answered but not profiled, the profiler being busy) and, once the window holds texts,
///   `textclf_drift_psi{model, version, signal}`, `textclf_drift_mean{model, version, signal,
///   texts}` (`texts`: `reference` or `served`) and `textclf_drift_drifted{model, version}`: 1
///   when a signal's PSI reaches 0.25 over at least 500 texts (fewer are too noisy to call).
///
/// `route` is the matched pattern (`/v1/models/{name}/predict`), never the raw path, so a
/// client cannot grow the label set.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let modelsLoaded: Gauge
    /// The (from, to) label pairs counted so far per model: bounded, since labels come from
    /// models (and multi-label answers are sets of them).
    private let flipPairs = Mutex<[String: Set<[String]>]>([:])
    static let maxFlipPairs = 1_000

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

    func modelPass(model: String, version: String, texts: Int) {
        registry.makeValueHistogram(descriptor: Self.name("model_pass", "texts", "Texts per model pass (requests gathered together)."),
                                    labels: [("model", model), ("version", version)], buckets: Self.passBuckets).record(Double(texts))
    }

    func reloaded(model: String, version: String, succeeded: Bool) {
        registry.makeCounter(descriptor: Self.name("model_loads", "total", "Model loads and reloads, by result."),
                             labels: [("model", model), ("version", version), ("result", succeeded ? "ok" : "failed")]).increment()
    }

    func answered(model: String, version: String) {
        registry.makeCounter(descriptor: Self.name("answered_requests", "total", "Predict requests answered, by model version."),
                             labels: [("model", model), ("version", version)]).increment()
    }

    func setModelsLoaded(_ count: Int) { modelsLoaded.set(Double(count)) }

    /// A shadow's counts since its last publication (``ShadowComparison/publish()``): texts
    /// where it agreed with the primary, and its flips by (primary's label, shadow's label).
    func shadowCompared(model: String, primary: String, shadow: String, agreements: Int, flips: [[String]: Int]) {
        let versions = [("model", model), ("primary", primary), ("shadow", shadow)]
        var pairs: [[String]: Int] = [:]
        for (pair, count) in flips {
            let counted = flipPairs.withLock { seen -> Bool in
                if seen[model, default: []].contains(pair) { return true }
                guard seen[model, default: []].count < Self.maxFlipPairs else { return false }
                seen[model, default: []].insert(pair)
                return true
            }
            pairs[counted ? pair : ["other", "other"], default: 0] += count
        }
        let flipsName = Self.name("shadow_flips", "total", "Texts whose shadow label differs from the primary's, by pair.")
        for (pair, count) in pairs {
            registry.makeCounter(descriptor: flipsName, labels: versions + [("from", pair[0]), ("to", pair[1])]).increment(by: Int64(count))
        }
        let texts = Self.name("shadow_texts", "total", "Texts a shadow version labelled beside its primary: agree or flip.")
        registry.makeCounter(descriptor: texts, labels: versions + [("result", "flip")]).increment(by: Int64(flips.values.reduce(0, +)))
        registry.makeCounter(descriptor: texts, labels: versions + [("result", "agree")]).increment(by: Int64(agreements))
    }

    func shadowSkipped(model: String, shadow: String, texts: Int) {
        registry.makeCounter(descriptor: Self.name("shadow_skipped_texts", "total", "Answered texts the shadow did not label: it was behind."),
                             labels: [("model", model), ("shadow", shadow)]).increment(by: Int64(texts))
    }

    func drift(model: String, version: String, _ drift: DataDrift, skipped: Int) {
        let model: [(String, String)] = [("model", model), ("version", version)]
        registry.makeGauge(descriptor: Self.name("drift_window", "texts", "Served texts in the drift window."),
                           labels: model).set(Double(drift.live.rows))
        registry.makeGauge(descriptor: Self.name("drift_skipped", "texts", "Served texts not profiled because the profiler was busy."),
                           labels: model).set(Double(skipped))
        guard drift.live.rows > 0 else { return }
        for score in drift.scores {
            let signal = score.signal.rawValue
            registry.makeGauge(descriptor: Self.name("drift", "psi", "Population stability index of a signal: served texts against the model's profile."),
                               labels: model + [("signal", signal)]).set(score.psi)
            for (texts, mean) in [("reference", score.referenceMean), ("served", score.liveMean)] {
                registry.makeGauge(descriptor: Self.name("drift", "mean", "A signal's mean over the model's profile or the served texts' window."),
                                   labels: model + [("signal", signal), ("texts", texts)]).set(mean)
            }
        }
        registry.makeGauge(descriptor: Self.name("drift", "drifted", "1 when a signal's PSI reaches 0.25 over at least 500 served texts."),
                           labels: model).set(Double(drift.drifted && drift.live.rows >= DataDrift.fewRows ? 1 : 0))
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> String { registry.emitToString() }
}
