/// The mean of a sequence's vectors, as Keras's `GlobalAveragePooling1D()` after an
/// `Embedding(mask_zero=True)`: only the steps whose token is not padding count, so a text's
/// features do not depend on how much padding it has. With embeddings this is fastText's
/// shape: a bag of words (or n-grams) averaged, then a linear head.
///
/// A row with no token at all gives zeros (Keras divides 0 by 0 there and gives NaN).
///
/// ```swift
/// let pool = GlobalAveragePooling1D(width: 2)
/// let x = Tensor(shape: [1, 3, 2], scalars: [9, 9, 1, 2, 3, 4])    // step 0 is padding
/// pool(x, mask: [false, true, true]).scalars                         // [2, 3]
/// ```
public struct GlobalAveragePooling1D: SequenceLayer {
    /// The width of each step's vector.
    public let inputDim: Int
    /// The output width: the input's.
    public var units: Int { inputDim }
    /// No recurrence, so no recurrent dropout.
    public var recurrentMaskWidth: Int { 0 }

    /// A pooling of vectors `width` wide.
    public init(width: Int) {
        inputDim = width
    }

    /// No weights.
    public struct Gradient: Sendable {}

    /// The mean of each row's steps where `mask` is true (all steps if `nil`): `[batch, width]`.
    public func callAsFunction(_ input: Tensor, mask: [Bool]? = nil) -> Tensor {
        appliedForBackpropagation(to: input, mask: mask).output
    }

    /// Every step counts (Keras's layer without a mask).
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        appliedForBackpropagation(to: input, mask: nil)
    }

    /// Every step counts; `masks` is unused (no recurrence).
    public func appliedForBackpropagation(to input: Tensor, recurrentMasks masks: [Float]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        appliedForBackpropagation(to: input, mask: nil)
    }

    /// The mean over the steps where `mask` (`[batch · steps]`, row-major; `nil`: all) is
    /// true, and the function from its gradient to the input's: each counted step gets the
    /// output gradient divided by the row's count, the others zero.
    public func appliedForBackpropagation(to input: Tensor, mask: [Bool]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        // Programmer errors only: the encoder builds both from its own embedding and the token
        // matrix, and a model file whose embedding disagrees with config.json is refused on load.
        precondition(input.shape.count == 3 && input.shape[2] == inputDim, "input must be [batch, steps, \(inputDim)]")
        let batch = input.shape[0], steps = input.shape[1], width = inputDim
        precondition(mask == nil || mask!.count == batch * steps, "one mask value per step of every row")
        var counts = [Float](repeating: 0, count: batch)
        var output = Tensor(zeros: [batch, width])
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { out in
                for b in 0..<batch {
                    let row = out.baseAddress! + b * width
                    for t in 0..<steps where mask?[b * steps + t] ?? true {
                        VectorMath.add(x.baseAddress! + (b * steps + t) * width, into: row, count: width)
                        counts[b] += 1
                    }
                    // Keras divides the sum by the count (not a multiply by its inverse).
                    if counts[b] > 0 { for j in 0..<width { row[j] /= counts[b] } }
                }
            }
        }
        let backpropagator = { (outputGradient: Tensor) -> (inputGradient: Tensor, gradient: Gradient) in
            var inputGradient = Tensor(zeros: input.shape)
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                    for b in 0..<batch where counts[b] > 0 {
                        let count = counts[b], source = dy.baseAddress! + b * width
                        for t in 0..<steps where mask?[b * steps + t] ?? true {
                            let target = dx.baseAddress! + (b * steps + t) * width
                            for j in 0..<width { target[j] = source[j] / count }
                        }
                    }
                }
            }
            return (inputGradient, Gradient())
        }
        return (output, backpropagator)
    }
}
