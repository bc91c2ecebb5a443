/// The result column names of a statement, with the index of each name (the first, when a name repeats).
final class SQLColumns: Sendable {
    let names: [String]
    private let indexes: [String: Int]
    /// Each name's length and first and last bytes, to find a column of a narrow row without hashing its name:
    /// the lookups were a sixth of reading a long range (a row of a dozen columns, a lookup per column).
    private let signatures: [Signature]

    private struct Signature: Equatable {
        var length: Int
        var first: UInt8?
        var last: UInt8?

        init(_ name: String) {
            length = name.utf8.count
            first = name.utf8.first
            last = name.utf8.last
        }
    }

    init(_ names: [String]) {
        self.names = names
        self.indexes = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        self.signatures = names.map(Signature.init)
    }

    var count: Int { names.count }

    func index(of name: String) -> Int? {
        guard names.count <= 32 else { return indexes[name] }
        let signature = Signature(name)
        for index in signatures.indices where signatures[index] == signature && names[index] == name { return index }
        return nil
    }
}
