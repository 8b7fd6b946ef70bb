/// A dense `Float` array with a shape, stored row-major in one contiguous buffer: model
/// weights, gradients, layer inputs and outputs.
public struct Tensor: Equatable, Sendable {
    /// The size of each dimension, outermost first.
    public let shape: [Int]
    /// The values, row-major (the last dimension contiguous).
    public var scalars: [Float]

    /// A tensor of these values; `scalars.count` must be the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(scalars.count == shape.reduce(1, *), "scalars must fill the shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// How many values it holds.
    public var count: Int { scalars.count }
}
