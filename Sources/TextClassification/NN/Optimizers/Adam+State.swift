/// An optimiser's state as named tensors, so that training can stop and resume as if it had
/// not (`textclf fit --save-optimizer`, then `fit --from`).
extension Adam {
    /// The moments as `NAME/m` and `NAME/v` (flat), and deferred Adam's step sizes so far as
    /// `alphas`. Call after ``catchUp(_:)`` (a fit ends with it): every row is then current,
    /// which is what ``init(kind:learningRate:step:tensors:rows:)`` assumes.
    public var stateTensors: [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        for name in moments.keys.sorted() {
            let (m, v) = moments[name]!
            out.append(("\(name)/m", Tensor(shape: [m.count], scalars: m)))
            out.append(("\(name)/v", Tensor(shape: [v.count], scalars: v)))
        }
        if rowSteps == .deferred { out.append(("alphas", Tensor(shape: [alphas.count], scalars: alphas))) }
        return out
    }

    /// An optimiser of `kind` resumed after `step` steps from ``stateTensors``.
    /// - Parameters:
    ///   - kind: which Adam the state is of.
    ///   - learningRate: the rate to go on with.
    ///   - step: the steps taken.
    ///   - tensors: ``stateTensors`` as saved.
    ///   - rows: per weight stepped by rows (the embedding), its row count.
    /// - Throws: for tensors that do not fit (`alphas` not one per step).
    public init(kind: Optimizer, learningRate: Float, step: Int, tensors: [String: Tensor], rows: [String: Int]) throws {
        self = kind.make(learningRate: learningRate)
        self.step = step
        for (name, first) in tensors where name.hasSuffix("/m") {
            let weight = String(name.dropLast(2))
            guard let second = tensors[weight + "/v"], second.count == first.count else {
                throw TextClassificationError.invalidArgument(name: "optimizer state", value: weight, expected: "both moments, of one size")
            }
            moments[weight] = (first.scalars, second.scalars)
        }
        if rowSteps == .deferred {
            guard let alphas = tensors["alphas"], alphas.count == step else {
                throw TextClassificationError.invalidArgument(name: "optimizer state", value: "alphas",
                                                              expected: "one step size per step (\(step))")
            }
            self.alphas = alphas.scalars
            for (name, count) in rows where moments[name] != nil {
                currentSteps[name] = [Int32](repeating: Int32(step), count: count)
            }
        }
    }

    /// Room for `added` new rows of `width` at the end of weight `name` (a grown embedding):
    /// zero moments, current with this step, as a fresh Adam would start them.
    mutating func appendRows(_ added: Int, width: Int, to name: String) {
        guard added > 0, var (first, second) = moments.removeValue(forKey: name) else { return }
        first += [Float](repeating: 0, count: added * width)
        second += [Float](repeating: 0, count: added * width)
        moments[name] = (first, second)
        if var current = currentSteps.removeValue(forKey: name) {
            current += [Int32](repeating: Int32(step), count: added)
            currentSteps[name] = current
        }
    }
}
