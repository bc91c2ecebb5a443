/// Which slice of a list a caller asked for (`skip`/`limit`).
public struct PageRequest: Sendable, Hashable {
    public static let defaultLimit = 100
    public static let maximumLimit = 1000

    public var skip: Int
    public var limit: Int

    public init(skip: Int = 0, limit: Int = PageRequest.defaultLimit) {
        self.skip = max(0, skip)
        self.limit = min(max(1, limit), PageRequest.maximumLimit)
    }
}

/// One slice of a list, with the total the slice was cut from.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var skip: Int
    public var total: Int

    public init(items: [Item], skip: Int, total: Int) {
        self.items = items
        self.skip = skip
        self.total = total
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), skip: skip, total: total)
    }
}
