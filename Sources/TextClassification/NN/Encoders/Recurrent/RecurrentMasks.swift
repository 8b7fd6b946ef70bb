/// Recurrent-dropout masks laid out as the layers take them: `gates · units` values per batch
/// row, gate g of row b at `b·gates·units + g·units` (0, or 1 / (1 − rate)). Shared by the
/// LSTM's and the GRU's masked passes: forward masks h₋₁ per gate, backward masks each gate's
/// share of dh₋₁ the same way.
struct RecurrentMasks {
    let values: [Float]
    let gates: Int
    let units: Int

    /// `output[b, j] = h[b, j] · m_g[b, j]` for `batch` rows of `units`.
    func apply(gate g: Int, to h: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, batch: Int) {
        values.withUnsafeBufferPointer { m in
            for b in 0..<batch {
                let mask = m.baseAddress! + (b * gates + g) * units
                for j in 0..<units { output[b * units + j] = h[b * units + j] * mask[j] }
            }
        }
    }

    /// `target[b, j] += source[b, j] · m_g[b, j]`.
    func add(gate g: Int, _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, batch: Int) {
        values.withUnsafeBufferPointer { m in
            for b in 0..<batch {
                let mask = m.baseAddress! + (b * gates + g) * units
                for j in 0..<units { target[b * units + j] += source[b * units + j] * mask[j] }
            }
        }
    }
}
