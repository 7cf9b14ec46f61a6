import FoundationEssentials

/// The idiomatic first version, kept for A/B comparison (`--processor naive`): every item's
/// data is decoded with `JSONDecoder` into a tree of `JSONValue`s, re-encoded with
/// `JSONEncoder` into a fresh array, ids become `String`s, and the batch goes into a fresh
/// `ResultSlab` (never one from the pool). Nothing is pooled or reused.
///
/// It answers the same contract as `PooledBatchProcessor`: the strict scanner validates and
/// judges items first (Foundation's parsers accept trailing commas and give no positions), and
/// admission stays all-or-nothing per batch, because admitting item by item would keep part
/// of a batch that is then answered 503.
public struct NaiveBatchProcessor: BatchProcessor {
    private let parser: BatchParser
    private let buffer: BatchBuffer
    private let flushDue: @Sendable () -> Void

    public init(parser: BatchParser, buffer: BatchBuffer, flushDue: @escaping @Sendable () -> Void) {
        self.parser = parser
        self.buffer = buffer
        self.flushDue = flushDue
    }

    public func process(_ body: UnsafeRawBufferPointer, format: BatchFormat, receivedAtNanoseconds: Int64,
                        sender: (any BatchSender)?, scratch: BatchScratch) -> BatchOutcome {
        scratch.reset()
        let slab = ResultSlab()
        slab.begin(receivedAtNanoseconds: receivedAtNanoseconds, tenant: sender?.tenantName)
        var rejected: [RejectedItem] = []
        var parseScratch = BatchParseScratch()
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        let parsed = parser.parse(body, format: format, scratch: &parseScratch) { event in
            switch event {
            case .accepted(let item, let dataObject):
                let id = String(decoding: UnsafeRawBufferPointer(rebasing: body[item.id]), as: UTF8.self)
                let metadata = item.metadata.map { Array(UnsafeRawBufferPointer(rebasing: body[$0])) }
                do {
                    let tree = try decoder.decode([String: JSONValue].self, from: Data(dataObject))
                    let data = Array(try encoder.encode(tree))
                    slab.append(id: Array(id.utf8), data: data, metadata: metadata)
                } catch {
                    // Foundation can refuse what the strict scanner accepted (e.g. numbers too
                    // large for Double); such an item is reported like any other bad item.
                    rejected.append(RejectedItem(index: item.index, id: Array(id.utf8), reason: .badData))
                }
            case .rejected(let error):
                rejected.append(RejectedItem(index: error.index, id: error.id.map { Array(UnsafeRawBufferPointer(rebasing: body[$0])) },
                                             reason: error.reason))
            }
        }
        if case .failure(let error) = parsed { return .invalidBody(error) }
        scratch.rejected = rejected
        guard !slab.isEmpty else { return .processed(accepted: 0, rejected: rejected.count, sequence: 0) }
        let accepted = slab.count
        if let refusal = QuotaCheck.refusal(of: sender, items: accepted) {
            scratch.rejected.removeAll()
            return refusal
        }
        switch buffer.admit(slab) {
        case .admitted(let isFlushDue, let sequence):
            if isFlushDue { flushDue() }
            return .processed(accepted: accepted, rejected: rejected.count, sequence: sequence)
        case .full(let retryAfterSeconds):
            sender?.returnQuota(items: accepted)
            scratch.rejected.removeAll()
            return .bufferFull(retryAfterSeconds: retryAfterSeconds)
        case .tooLarge(let items, let bytes):
            sender?.returnQuota(items: accepted)
            scratch.rejected.removeAll()
            return .batchTooLarge(items: items, bytes: bytes)
        }
    }
}

/// A JSON value as a naive decoder builds it: one enum node (and its containers) per value.
public indirect enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
