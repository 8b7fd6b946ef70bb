/// A dense `Float` array with a shape, stored row-major in one contiguous buffer: model
/// weights, gradients, layer inputs and outputs.
public struct Tensor: Equatable, Sendable {
    public let shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(scalars.count == shape.reduce(1, *), "scalars must fill the shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { scalars.count }
}
