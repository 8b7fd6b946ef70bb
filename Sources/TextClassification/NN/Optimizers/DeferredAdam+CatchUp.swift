import Foundation

extension DeferredAdam {
    /// The closed form of the steps deferred rows missed (see ``DeferredAdam``), for rows
    /// brought up to one step, `target`. Read-only once made, so the cores share it: each row
    /// is brought up where it is next read or stepped, in the loops that already visit it.
    struct CatchUp: @unchecked Sendable {
        /// The step rows are brought up to.
        let target: Int
        /// `factors[k − 1]`: the factors of a row that missed k ≤ ``window`` steps.
        let factors: [Factors]
        /// ``DeferredAdam/tails`` as they were: rows left further behind read their sums here, or sum
        /// them (``tail(from:alphas:beta1:beta2:)``) and hand them back to be kept.
        let tails: [Tail]
        let alphas: [Float]
        let beta1: Double, beta2: Double
        let epsilon: Float

        /// Steps missed that ``factors`` covers; older rows read ``DeferredAdam/tails``.
        static let window = 1024

        struct Tail {
            var step: Float, root: Float
        }

        /// Tails a catch-up had to sum, by the step rows were left at.
        typealias SummedTails = [Int: Tail]

        struct Factors {
            var step: Float, root: Float, first: Float, second: Float
        }

        /// The factors of every s in the last `window` steps before `target` at once, from the
        /// recurrences U(s) = β₁(αₛ₊₁ + U(s+1)) and Σuᵢ/cᵢ (s) = r(αₛ₊₁ + …(s+1)), r = β₁/√β₂,
        /// both 0 at s = target.
        static func factors(through target: Int, alphas: [Float], beta1: Double, beta2: Double) -> [Factors] {
            let window = min(target, Self.window)
            var table = [Factors](repeating: Factors(step: 0, root: 1, first: 1, second: 1), count: window)
            var sum = 0.0, harmonic = 0.0, decay1 = 1.0, decay2 = 1.0
            let r = beta1 / beta2.squareRoot()
            for k in stride(from: 1, through: window, by: 1) {
                let alpha = Double(alphas[target - k])  // α of step target − k + 1
                sum = beta1 * (alpha + sum)
                harmonic = r * (alpha + harmonic)
                decay1 *= beta1
                decay2 *= beta2
                table[k - 1] = Factors(step: Float(sum), root: Float(sum / harmonic), first: Float(decay1), second: Float(decay2))
            }
            return table
        }

        /// U and ĉ for a row left at step s that missed more than 400 steps: U = Σᵢ uᵢ with
        /// uᵢ = αₛ₊ᵢβ₁ⁱ and ĉ = U / Σᵢ uᵢ/cᵢ, cᵢ = β₂^(i/2), i = 1…400 (the terms past 400 are
        /// below 1e-18 of the first).
        static func tail(from s: Int, alphas: [Float], beta1: Double, beta2: Double) -> Tail {
            var sum = 0.0, harmonic = 0.0, first = 1.0, root = 1.0
            let rootBeta2 = beta2.squareRoot()
            for i in 1...400 {
                first *= beta1
                root *= rootBeta2
                let u = Double(alphas[s + i - 1]) * first
                sum += u
                harmonic += u / root
            }
            return Tail(step: Float(sum), root: Float(sum / harmonic))
        }

        /// Brings row `row` (of `width` values in `w`, `m`, `v`) from the step `current` says up
        /// to ``target``, and says it is current; a tail it had to sum is added to `summed`.
        @inline(__always)
        func bringUp(_ row: Int, width: Int, current: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Float>,
                     _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>, summed: inout SummedTails) {
            let s = Int(current[row]), missed = target - s
            guard missed > 0 else { return }
            current[row] = Int32(target)
            let f: Factors
            if missed <= factors.count {
                f = factors[missed - 1]
            } else {
                var tail = tails[s]
                if tail.root == 0 {
                    tail = summed[s] ?? Self.tail(from: s, alphas: alphas, beta1: beta1, beta2: beta2)
                    summed[s] = tail
                }
                f = Factors(step: tail.step, root: tail.root, first: Float(pow(beta1, Double(missed))),
                            second: Float(pow(beta2, Double(missed))))
            }
            apply(f, row * width, width, m, v, w)
        }

        /// One row's k missed updates Σᵢ uᵢ·m/(cᵢ√v + ε) as U·m/(ĉ√v + ε): exact when √v ≫ ε
        /// and when √v ≪ ε, within cᵢ's spread (≤ 2% over the ~40 steps that carry β₁ⁱ) between.
        @inline(__always)
        private func apply(_ f: Factors, _ start: Int, _ width: Int, _ m: UnsafeMutablePointer<Float>,
                           _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>) {
            let step = SIMD16<Float>(repeating: f.step), root = SIMD16<Float>(repeating: f.root)
            let decay1 = SIMD16<Float>(repeating: f.first), decay2 = SIMD16<Float>(repeating: f.second)
            let epsilon16 = SIMD16<Float>(repeating: epsilon)
            var j = start
            let end = start + width
            while j + 16 <= end {
                let mj = load(m + j), vj = load(v + j)
                store(load(w + j) - step * mj / (root * vj.squareRoot() + epsilon16), w + j)
                store(mj * decay1, m + j)
                store(vj * decay2, v + j)
                j += 16
            }
            while j < end {
                w[j] -= f.step * m[j] / (f.root * v[j].squareRoot() + epsilon)
                m[j] *= f.first
                v[j] *= f.second
                j += 1
            }
        }
    }

    /// The catch-up to step `target`, its factors kept for the next call with the same target
    /// (the training loop's catch-up before a batch and its step after share them).
    mutating func catchUp(through target: Int) -> CatchUp {
        if tails.count < target { tails += repeatElement(CatchUp.Tail(step: 0, root: 0), count: target - tails.count) }
        if catchUpFactors?.target != target {
            catchUpFactors = (target, CatchUp.factors(through: target, alphas: alphas, beta1: Double(beta1), beta2: Double(beta2)))
        }
        return CatchUp(target: target, factors: catchUpFactors!.factors, tails: tails, alphas: alphas,
                       beta1: Double(beta1), beta2: Double(beta2), epsilon: epsilon)
    }

    /// Keeps tails a catch-up summed, so that each step's is summed once per fit.
    mutating func keep(_ summed: CatchUp.SummedTails) {
        for (s, tail) in summed { tails[s] = tail }
    }
}
