import Dispatch
import HTTPTypes
import Metrics
import Synchronization

/// The series Hummingbird's `MetricsMiddleware` keeps for each route (`hb.requests`,
/// `http.server.request.duration`, `hb.request.errors`, `http.server.active_requests`), kept for one route that
/// an `EarlyRoute` answers, so `/metrics` reads the same whichever way a request went.
public final class EarlyRouteMetrics: Sendable {
    private struct Series {
        let requests: Counter
        let duration: Timer
    }

    private let route: String
    private let method: HTTPRequest.Method
    private let active: Meter
    private let byStatus = Mutex<[Int: Series]>([:])

    /// - Parameter route: the route as the router names it (`/mode/devices/{deviceId}/event`).
    public init(route: String, method: HTTPRequest.Method) {
        self.route = route
        self.method = method
        active = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.description)])
    }

    /// Counts a request in progress; returns its start, for `finished`.
    public func started() -> UInt64 {
        active.increment()
        return DispatchTime.now().uptimeNanoseconds
    }

    /// Forgets a request that `started` but went to the router after all (which counts it).
    public func abandoned() {
        active.decrement()
    }

    /// Counts the answer of a request that `started` at `start`.
    public func finished(_ status: HTTPResponse.Status, start: UInt64) {
        let series = byStatus.withLock { byStatus in
            if let series = byStatus[status.code] { return series }
            let dimensions = [("http.route", route), ("http.request.method", method.description), ("http.response.status_code", status.code.description)]
            let series = Series(
                requests: Counter(label: "hb.requests", dimensions: dimensions),
                duration: Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds))
            // Created with the others, as the middleware does, so the series exist alike.
            _ = Counter(label: "hb.request.errors", dimensions: [("http.route", route), ("http.request.method", method.description), ("error.type", status.code.description)])
            byStatus[status.code] = series
            return series
        }
        series.requests.increment()
        series.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
        active.decrement()
    }
}
