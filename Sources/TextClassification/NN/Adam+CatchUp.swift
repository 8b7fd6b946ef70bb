import Foundation

extension Adam {
    /// The closed form of the steps a deferred row missed (see ``RowSteps/deferred``).
    struct CatchUp {
        let alphas: [Float]
        let beta1: Double, beta2: Double
        let epsilon: Float

        /// Steps missed that the factor table of each call covers; older rows read ``Adam/tails``.
        static let window = 1024
        let tails: [Tail]

        init(adam: Adam) {
            alphas = adam.alphas
            tails = adam.tails
            beta1 = Double(adam.beta1)
            beta2 = Double(adam.beta2)
            epsilon = adam.epsilon
        }

        /// U and ĉ for a row left at step s that missed more than 400 steps: U = Σᵢ uᵢ with
        /// uᵢ = αₛ₊ᵢβ₁ⁱ and ĉ = U / Σᵢ uᵢ/cᵢ, cᵢ = β₂^(i/2), i = 1…400 (the terms past 400 are
        /// below 1e-18 of the first).
        func tail(from s: Int) -> Tail {
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

        struct Tail {
            var step: Float, root: Float
        }

        struct Factors {
            var step: Float, root: Float, first: Float, second: Float
        }

        /// Brings `rows` (each once) from their current step up to step `target`.
        func apply(_ rows: [Int32], current: inout [Int32], weights: inout Tensor, first: inout [Float],
                   second: inout [Float], through target: Int) {
            let width = weights.shape[1], stale = Int32(target)
            // The training loop catches a batch's rows up before the batch: nothing left to do.
            guard rows.contains(where: { current[Int($0)] < stale }) else { return }
            // The factors of every s in the last `window` steps at once, from the recurrences
            // U(s) = β₁(αₛ₊₁ + U(s+1)) and Σuᵢ/cᵢ (s) = r(αₛ₊₁ + …(s+1)), r = β₁/√β₂, both 0 at
            // s = target; older rows (k beyond the window) read their sums from `tails`.
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
            // Rows are distinct, so the parts write apart.
            let parts = rows.count * width >= Adam.parallelThreshold ? Parallel.threads : 1
            current.withUnsafeMutableBufferPointer { current in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        weights.scalars.withUnsafeMutableBufferPointer { w in
                            rows.withUnsafeBufferPointer { rows in
                                let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                                let w = SharedPointer(base: w.baseAddress!), current = SharedPointer(base: current.baseAddress!)
                                let rows = UncheckedSendable(rows), table = table
                                Parallel.forEach(parts) { part in
                                    let end = rows.value.count * (part + 1) / parts
                                    for k in rows.value.count * part / parts ..< end {
                                        if k + Adam.prefetchDistance < end {
                                            Adam.prefetch(row: Int(rows.value[k + Adam.prefetchDistance]), width: width, m.base, v.base, w.base)
                                        }
                                        let row = Int(rows.value[k])
                                        let s = current.base[row], missed = target - Int(s)
                                        guard missed > 0 else { continue }
                                        current.base[row] = Int32(target)
                                        let f: Factors
                                        if missed <= window {
                                            f = table[missed - 1]
                                        } else {
                                            let tail = tails[Int(s)]
                                            f = Factors(step: tail.step, root: tail.root, first: Float(pow(beta1, Double(missed))),
                                                        second: Float(pow(beta2, Double(missed))))
                                        }
                                        catchUp(row * width, width, m.base, v.base, w.base, f)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        /// One row's k missed updates Σᵢ uᵢ·m/(cᵢ√v + ε) as U·m/(ĉ√v + ε): exact when √v ≫ ε
        /// and when √v ≪ ε, within cᵢ's spread (≤ 2% over the ~40 steps that carry β₁ⁱ) between.
        private func catchUp(_ start: Int, _ width: Int, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                             _ w: UnsafeMutablePointer<Float>, _ f: Factors) {
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
}
