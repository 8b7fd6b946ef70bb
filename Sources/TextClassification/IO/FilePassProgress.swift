/// How far one pass over a file has got: a streamed fit reads its file several times before
/// it trains (labels, counting, vocabulary), each a minute or more at ten million rows.
public struct FilePassProgress: Sendable {
    /// Which pass.
    public enum Pass: String, Sendable {
        /// Collecting the distinct labels (``LabelSet/init(inferringFrom:rows:multiLabel:separator:taxonomy:onBlock:)``).
        case labels
        /// Counting the rows and checking every label.
        case counting
        /// Fitting the vocabulary on the training rows (tokenizing them).
        case vocabulary
    }

    /// The pass.
    public var pass: Pass
    /// The file, as named in messages.
    public var file: String
    /// Rows read so far in this pass, and the rows it reads when known (the vocabulary pass
    /// reads the training rows the counting pass found).
    public var rows: Int, totalRows: Int?
    /// Bytes read so far, and the file's size (`nil` when it has none, e.g. a pipe).
    public var bytes: Int, totalBytes: Int?
    /// Seconds since the pass started.
    public var seconds: Double

    /// The share read, from 0 to 1: by rows when their number is known, else by bytes.
    public var fraction: Double? {
        if let totalRows { return totalRows > 0 ? min(1, Double(rows) / Double(totalRows)) : 1 }
        return totalBytes.map { $0 > 0 ? min(1, Double(bytes) / Double($0)) : 1 }
    }
}

extension LabelledCSV.Blocks {
    /// A pass over these blocks starting now, to report progress through.
    func pass(_ pass: FilePassProgress.Pass) -> FilePassClock { FilePassClock(pass: pass, blocks: self) }
}

/// Times a pass and describes how far it has got.
struct FilePassClock {
    let pass: FilePassProgress.Pass
    let blocks: LabelledCSV.Blocks
    let start = ContinuousClock.now

    func progress(rows: Int, of totalRows: Int? = nil) -> FilePassProgress {
        let elapsed = ContinuousClock.now - start
        return FilePassProgress(pass: pass, file: blocks.source, rows: rows, totalRows: totalRows, bytes: blocks.bytesRead,
                                totalBytes: blocks.fileBytes,
                                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
