extension BatchParser {
    /// Judges the recorded item (validated JSON) and reports it to the visitor.
    func visitItem<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, _ recorded: ScannedItem, index: Int, scratch: inout [UInt8],
        visitor: inout Visitor, summary: inout BatchSummary
    ) {
        let item: BatchItem
        switch BatchItemReader.check(body, recorded, index: index) {
        case .success(let read):
            item = read
        case .failure(let error):
            summary.rejectedCount += 1
            visitor.reject(error)
            return
        }
        guard item.isDataString else {
            summary.acceptedCount += 1
            visitor.accept(item, dataObject: UnsafeRawBufferPointer(rebasing: body[item.data]))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        let contents = (item.data.lowerBound + 1)..<(item.data.upperBound - 1)
        JSONString.unescape(UnsafeRawBufferPointer(rebasing: body[contents]), appendingTo: &scratch)
        let rejection: BatchItemError.Reason? = scratch.withUnsafeBytes { decoded in
            switch scanner.validate(decoded) {
            case .failure(let error):
                return .dataStringNotObject(error)
            case .success(let object) where decoded[object.lowerBound] == JSONByte.openBrace:
                visitor.accept(item, dataObject: UnsafeRawBufferPointer(rebasing: decoded[object]))
                return nil
            case .success:
                return .dataStringNotObject(nil)
            }
        }
        if let rejection {
            summary.rejectedCount += 1
            visitor.reject(BatchItemError(index: index, id: item.id, reason: rejection))
        } else {
            summary.acceptedCount += 1
        }
    }
}
