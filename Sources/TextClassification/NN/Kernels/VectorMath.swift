import CKernels

/// Vectorised exp, logistic sigmoid and tanh on 16 lanes.
///
/// libm's `expf` is one call per element and keeps the LSTM's gate non-linearities (5 per
/// unit per step) from vectorising; these are Cephes's single-precision polynomials, within
/// 2 ulp of the exact function (checked against Double in VectorMathTests).
enum VectorMath {
    // 1.5 · 2²³: adding it rounds a float to an integer held in the low mantissa bits.
    private static let magic: Float = 12_582_912

    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Clamped to where 2ⁿ stays a normal float. (pointwiseMin/Max are not inlined.)
        var x = x.replacing(with: -87.33654, where: x .< -87.33654)
        x.replace(with: 88.37626, where: x .> 88.37626)
        // x = n·ln2 + r with |r| ≤ ln2/2; ln2 split in two for precision.
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        x = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        let z = x * x
        var y = SIMD16<Float>(repeating: 1.987_569_15e-4)
        y = y * x + 1.398_199_95e-3
        y = y * x + 8.333_451_9e-3
        y = y * x + 4.166_579_59e-2
        y = y * x + 1.666_666_55e-1
        y = y * x + 5.000_000_12e-1
        y = y * z + x + 1
        // 2ⁿ from n's bits: (n + 127) << 23.
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
        return y * scale
    }

    /// The exact logistic 1 / (1 + e⁻ˣ), as Keras's `recurrent_activation="sigmoid"`.
    @inline(__always)
    static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        1 / (1 + exp(-x))
    }

    @inline(__always)
    static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let negative = x .< 0
        let a = x.replacing(with: -x, where: negative)
        // Large |x|: 1 − 2/(e^{2|x|} + 1). Small |x|: an odd polynomial, which keeps the
        // relative precision that the subtraction above would lose near 0.
        var large = 1 - 2 / (exp(a + a) + 1)
        let z = x * x
        var p = SIMD16<Float>(repeating: -5.704_988_72e-3)
        p = p * z + 2.063_908_88e-2
        p = p * z - 5.373_971_55e-2
        p = p * z + 1.333_144_22e-1
        p = p * z - 3.333_328_19e-1
        let small = p * z * x + x
        large.replace(with: -large, where: negative)
        return large.replacing(with: small, where: a .< 0.625)
    }

    /// Scalar forms for lengths that are not a multiple of 16: the same arithmetic, so a
    /// value does not depend on where it sits in a buffer.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { sigmoid(SIMD16(repeating: x))[0] }

    @inline(__always)
    static func tanh(_ x: Float) -> Float { tanh(SIMD16(repeating: x))[0] }
}

/// Loads `count` (≤ 16) floats, zero-filling the remaining lanes.
@inline(__always)
func load(_ p: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
    count == 16 ? load(p) : loadPartial(p, count: count)
}

// Out of line: inlined, the lane-by-lane loops make the callers' full-vector paths slower.
@inline(never)
func loadPartial(_ p: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    for k in 0..<count { v[k] = p[k] }
    return v
}

@inline(__always)
func load(_ p: UnsafeMutablePointer<Float>, count: Int) -> SIMD16<Float> {
    load(UnsafePointer(p), count: count)
}

/// Stores the first `count` (≤ 16) lanes.
@inline(__always)
func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
    if count == 16 { store(v, p) } else { storePartial(v, p, count: count) }
}

@inline(never)
func storePartial(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
    for k in 0..<count { p[k] = v[k] }
}

extension VectorMath {
    /// `target[0..<count] += source[0..<count]`.
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count {
            store(load(target + j) + load(source + j), target + j)
            j += 16
        }
        while j < count {
            target[j] += source[j]
            j += 1
        }
    }

    /// Whether no value of `p[0..<count]` is infinite or NaN (`x − x` is 0 exactly for the others).
    static func allFinite(_ p: UnsafePointer<Float>, count: Int) -> Bool {
        var acc = SIMD16<Float>(repeating: 0)
        var j = 0
        while j < count {
            let v = load(p + j, count: min(16, count - j))
            acc += v - v
            j += 16
        }
        return acc == SIMD16(repeating: 0)
    }
}

extension VectorMath {
    /// `p[0..<count] = σ(p[0..<count])`: the same polynomials in C (CKernels), compiled per
    /// instruction set, so that a build without `-target-cpu` runs them vectorised too
    /// (measured: a plain release build spent 65% of prediction in the Swift SSE2 versions).
    @inline(__always)
    static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) {
        textclf_sigmoid(p, Int64(count))
    }

    /// `output[0..<count] = tanh(input[0..<count])`; `output` may be `input`.
    @inline(__always)
    static func tanh(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        textclf_tanh(input, output, Int64(count))
    }
}
