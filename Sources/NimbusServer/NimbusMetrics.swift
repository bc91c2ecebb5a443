import Metrics
import Prometheus

/// The process-wide Prometheus registry behind `GET /metrics`. swift-metrics can be bootstrapped
/// once per process, so it happens here, lazily and exactly once, before any metric is created.
public enum NimbusMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
