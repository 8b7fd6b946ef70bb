import Foundation
import TextClassification

/// Any bytes through the CSV reader and the labelled-CSV checks: errors are fine, crashes
/// and hangs are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let reader = CSVReader(input: ByteInput(bytes: bytes, name: "fuzz.csv"))
    var records = 0
    while let record = try? reader.next() {
        records += 1
        precondition(record.line >= 1 && !record.fields.isEmpty)
    }
    let lines = ByteInput(bytes: bytes, name: "fuzz.txt")
    var number = 0
    while (try? lines.readLine(number: number + 1)) != nil { number += 1 }
    return 0
}

