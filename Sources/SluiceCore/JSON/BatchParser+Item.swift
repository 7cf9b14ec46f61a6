extension BatchParser {
    /// Judges the item at `start` (validated JSON), reports it to the visitor and returns
    /// where the item ends.
    @discardableResult
    func visitItem<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, valueAt start: Int, index: Int, scratch: inout [UInt8],
        visitor: inout Visitor, summary: inout BatchSummary
    ) -> Int {
        let (outcome, end) = BatchItemReader.read(body, valueAt: start, index: index)
        let item: BatchItem
        switch outcome {
        case .success(let read):
            item = read
        case .failure(let error):
            summary.rejectedCount += 1
            visitor.reject(error)
            return end
        }
        guard item.isDataString else {
            summary.acceptedCount += 1
            visitor.accept(item, dataObject: UnsafeRawBufferPointer(rebasing: body[item.data]))
            return end
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
        return end
    }
}
