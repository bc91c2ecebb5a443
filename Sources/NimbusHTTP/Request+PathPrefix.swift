import Hummingbird

extension Request {
    /// Whether the path is a dialect's prefix itself or lies under it (`/mode`, `/mode/…`, not `/modelling`).
    public func isUnder(pathPrefix: String) -> Bool {
        let path = uri.path
        return path == pathPrefix || path.hasPrefix(pathPrefix + "/")
    }
}
