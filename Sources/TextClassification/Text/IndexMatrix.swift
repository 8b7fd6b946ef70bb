/// A matrix of token indices, `rows × columns`, stored row-major in one contiguous buffer:
/// the output of ``Padding`` and the input of the model.
public struct IndexMatrix: Equatable, Sendable {
    /// One row per text.
    public let rows: Int
    /// The padded length of every row.
    public let columns: Int
    /// `rows * columns` indices; row `r` is `storage[r * columns ..< (r + 1) * columns]`.
    public var storage: [Int32]

    /// A matrix over `storage`, which must hold `rows * columns` indices.
    public init(rows: Int, columns: Int, storage: [Int32]) {
        precondition(storage.count == rows * columns, "storage must hold rows * columns indices")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Row `r` as an array.
    public subscript(row r: Int) -> ArraySlice<Int32> {
        storage[r * columns ..< (r + 1) * columns]
    }

    /// Every index but padding (0), each once, in order of first appearance.
    public var distinctTokens: [Int32] {
        var seen = Set<Int32>(minimumCapacity: min(storage.count, 4096))
        return storage.filter { $0 != 0 && seen.insert($0).inserted }
    }

    /// The rows at `indices`, in that order.
    public func rows<Indices: Collection>(_ indices: Indices) -> IndexMatrix where Indices.Element == Int {
        var picked: [Int32] = []
        picked.reserveCapacity(indices.count * columns)
        for r in indices { picked.append(contentsOf: self[row: r]) }
        return IndexMatrix(rows: indices.count, columns: columns, storage: picked)
    }
}
