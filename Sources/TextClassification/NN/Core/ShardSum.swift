/// The one way a batch's shards' gradients are summed: the first shard's, then each next one's
/// added, in shard order, so that the sums (and the weights) are the same with any number of
/// threads. Also says whether the sums are finite (a diverging batch is not applied).
enum ShardSum {
    /// The shards' tensors summed.
    static func tensors(_ shards: [Tensor]) -> (sum: Tensor, allFinite: Bool) {
        var sum = shards[0]
        sum.scalars.withUnsafeMutableBufferPointer { total in
            for shard in shards.dropFirst() {
                shard.scalars.withUnsafeBufferPointer { VectorMath.add($0.baseAddress!, into: total.baseAddress!, count: $0.count) }
            }
        }
        let finite = sum.scalars.withUnsafeBufferPointer { VectorMath.allFinite($0.baseAddress!, count: $0.count) }
        return (sum, finite)
    }

    /// Part `part` of `parts` of adding `buffers[1...]` into `buffers[0]` (each core a fixed
    /// range of elements, for vocabulary-sized tables); whether that part of the sum is finite.
    static func buffers(_ buffers: [FloatBuffer], part: Int, of parts: Int) -> Bool {
        let total = buffers[0]
        let range = TokenProjection.range(part: part, of: parts, count: total.count, multiple: 16)
        for s in 1..<buffers.count {
            VectorMath.add(buffers[s].pointer + range.lowerBound, into: total.pointer + range.lowerBound, count: range.count)
        }
        return VectorMath.allFinite(total.pointer + range.lowerBound, count: range.count)
    }
}
