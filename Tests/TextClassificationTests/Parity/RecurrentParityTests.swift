import Foundation
import Testing
@testable import TextClassification

/// GRU, Bidirectional(LSTM) and Bidirectional(GRU) against Keras 3 (fixture `recurrent.json`,
/// Scripts/keras-reference/make_fixtures.py): the output and the gradients of
/// Σ output ⊙ upstream with respect to every weight and the input, with the same tolerance as
/// the whole-model fixtures. Weights are given in Keras's order, under Keras's names.
@Suite struct RecurrentParityTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var weight_names: [String]
            var weights: [[Float]]
            var weight_shapes: [[Int]]
            var output: [Float]
            var upstream: [Float]
            var input_gradient: [Float]
            var weight_gradients: [[Float]]
        }
        var shapes: [String: Int]
        var x: [Float]
        var cases: [String: Case]
    }

    func tensors(_ c: Fixture.Case) -> [Tensor] {
        zip(c.weight_shapes, c.weights).map { Tensor(shape: $0, scalars: $1) }
    }

    func gru(_ w: ArraySlice<Tensor>) -> GRU {
        GRU(kernel: w[w.startIndex], recurrentKernel: w[w.startIndex + 1], bias: w[w.startIndex + 2])
    }

    func lstm(_ w: ArraySlice<Tensor>) -> LSTM {
        LSTM(kernel: w[w.startIndex], recurrentKernel: w[w.startIndex + 1], bias: w[w.startIndex + 2])
    }

    func check<Layer: SequenceLayer>(_ layer: Layer, _ c: Fixture.Case, input: Tensor, batch: Int, kind: String,
                                      gradients: (Layer.Gradient) -> [Tensor]) {
        let parity = KerasParityTests()
        var worst: Float = 0
        let (output, backpropagator) = layer.appliedForBackpropagation(to: input)
        parity.expectClose(output.scalars, c.output, "\(kind) output", worst: &worst)
        let (inputGradient, gradient) = backpropagator(Tensor(shape: [batch, layer.units], scalars: c.upstream))
        parity.expectClose(inputGradient.scalars, c.input_gradient, "\(kind) input gradient", worst: &worst)
        for (k, g) in gradients(gradient).enumerated() {
            parity.expectClose(g.scalars, c.weight_gradients[k], "\(kind) \(c.weight_names[k])", worst: &worst)
        }
        #expect(worst < 1e-5, "\(kind): worst relative difference \(worst)")
    }

    @Test func gruAndBidirectionalLayersMatchKeras() throws {
        let fixture = try KerasParityTests.load("recurrent", as: Fixture.self)
        let batch = fixture.shapes["batch"]!
        let input = Tensor(shape: [batch, fixture.shapes["steps"]!, fixture.shapes["width"]!], scalars: fixture.x)

        let g = try #require(fixture.cases["gru"])
        #expect(g.weight_names.map { $0.split(separator: "/").last! } == ["kernel", "recurrent_kernel", "bias"])
        check(gru(tensors(g)[...]), g, input: input, batch: batch, kind: "gru") { [$0.kernel, $0.recurrentKernel, $0.bias] }

        let bl = try #require(fixture.cases["bilstm"])
        #expect(bl.weight_names[0].contains("forward_lstm") && bl.weight_names[3].contains("backward_lstm"))
        let bilstm = Bidirectional(forward: lstm(tensors(bl)[0..<3]), backward: lstm(tensors(bl)[3..<6]))
        check(bilstm, bl, input: input, batch: batch, kind: "bilstm") {
            [$0.forward.kernel, $0.forward.recurrentKernel, $0.forward.bias,
             $0.backward.kernel, $0.backward.recurrentKernel, $0.backward.bias]
        }

        let bg = try #require(fixture.cases["bigru"])
        let bigru = Bidirectional(forward: gru(tensors(bg)[0..<3]), backward: gru(tensors(bg)[3..<6]))
        check(bigru, bg, input: input, batch: batch, kind: "bigru") {
            [$0.forward.kernel, $0.forward.recurrentKernel, $0.forward.bias,
             $0.backward.kernel, $0.backward.recurrentKernel, $0.backward.bias]
        }
    }
}
