// sluice-bench: the batch pipeline in-process, pooled against naive, the Swift counterpart of
// the case study's BenchmarkMemoryOptimizations. Heap allocations are counted for real by the
// CAllocCounter interposer (this executable exports malloc & co, so every library's calls
// go through it).
//
//     swift run -c release sluice-bench [--seconds 2] [--rounds 3]
//     valgrind --tool=callgrind sluice-bench --requests 2000 --only W1   (instruction counts:
//         repeatable on a busy machine; compare two request counts to get the cost per request)
//
// Workloads: W1 = 100 items of {"value":42,"name":"test","active":true}; W1s = the same with
// data as a JSON string; W3 = 10,000 items. Each round runs each workload for `seconds` per
// processor after a warm-up, draining the buffer back into the pool as the flusher would.
// Then the contended case: 64 threads post W1 into one shared pool and buffer while a real
// Flusher drains it into a DiscardSink (`--threads N` changes the count).
import CAllocCounter
import Glibc
import SluiceCore

struct Options {
    var seconds = 2.0
    var rounds = 3
    /// A fixed request count instead of a duration (for instruction counting).
    var requests: Int?
    /// Run only this workload (W1, W1s or W3) and only the pooled processor.
    var only: String?
    /// Threads of the contended case.
    var threads = 64
    init(_ arguments: [String]) {
        var index = 1
        while index + 1 < arguments.count {
            switch arguments[index] {
            case "--seconds": seconds = Double(arguments[index + 1]) ?? seconds
            case "--rounds": rounds = Int(arguments[index + 1]) ?? rounds
            case "--requests": requests = Int(arguments[index + 1])
            case "--only": only = arguments[index + 1]
            case "--threads": threads = Int(arguments[index + 1]) ?? threads
            default: break
            }
            index += 2
        }
    }
}

func body(items: Int, dataAsString: Bool) -> [UInt8] {
    let data = dataAsString ? #""{\"value\":42,\"name\":\"test\",\"active\":true}""# : #"{"value":42,"name":"test","active":true}"#
    return Array(("[" + (0..<items).map { #"{"id":"item-\#($0)","data":\#(data)}"# }.joined(separator: ",") + "]").utf8)
}

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

struct Measurement {
    var itemsPerSecond: Double
    var allocationsPerItem: Double
    var allocationsPerRequest: Double
    var bytesPerItem: Double
}

/// Runs `processor` on `body` for `seconds`, draining the buffer every request like a flusher.
func measure(_ processor: any BatchProcessor, pool: ObjectPool<ResultSlab>, buffer: BatchBuffer,
             body: [UInt8], items: Int, seconds: Double, requestLimit: Int?) -> Measurement {
    let scratch = BatchScratch()
    var drained: [ResultSlab] = []
    drained.reserveCapacity(buffer.initialSwapCapacity)
    func once() {
        let outcome = body.withUnsafeBytes { processor.process($0, format: .json, receivedAtNanoseconds: 1, scratch: scratch) }
        guard case .processed(accepted: items, rejected: 0, sequence: _) = outcome else {
            preconditionFailure("benchmark batch was not accepted: \(outcome)")
        }
        _ = buffer.swapOut(into: &drained)
        pool.give(&drained)
    }
    for _ in 0..<50 { once() }  // warm-up: fill the pool, grow every reused buffer
    let start = now()
    let before = sluice_alloc_read()
    var requests = 0
    if let requestLimit {
        for _ in 0..<requestLimit { once() }
        requests = requestLimit
    } else {
        while now() - start < seconds {
            for _ in 0..<10 { once() }
            requests += 10
        }
    }
    let after = sluice_alloc_read()
    let elapsed = now() - start
    let totalItems = Double(requests * items)
    let allocations = Double(after.allocations - before.allocations)
    return Measurement(itemsPerSecond: totalItems / elapsed, allocationsPerItem: allocations / totalItems,
                       allocationsPerRequest: allocations / Double(requests),
                       bytesPerItem: Double(after.allocated_bytes - before.allocated_bytes) / totalItems)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double, _ decimals: Int) -> String {
    var text = String(Int((value * pow(10, Double(decimals))).rounded()))
    guard decimals > 0 else { return text }
    while text.count <= decimals { text = "0" + text }
    text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
    return text
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

let options = Options(CommandLine.arguments)
guard sluice_alloc_is_active() != 0 else {
    print("sluice-bench: the malloc interposer is not active (the executable must export malloc); allocation counts would be wrong")
    exit(1)
}
let workloads: [(name: String, items: Int, string: Bool)] = [("W1", 100, false), ("W1s", 100, true), ("W3", 10_000, false)]
    .filter { options.only == nil || $0.name == options.only }
let kinds = options.only == nil ? ["pooled", "naive"] : ["pooled"]
print("sluice-bench: \(options.rounds) rounds x \(options.seconds) s per processor and workload; medians")
print(pad("workload", 9), pad("processor", 10), pad("items/s", 12), pad("allocs/item", 12), pad("allocs/req", 11), pad("bytes/item", 11))
var scannerSeconds = 0.0
for workload in workloads {
    let bytes = body(items: workload.items, dataAsString: workload.string)
    var results: [String: [Measurement]] = ["pooled": [], "naive": []]
    for _ in 0..<options.rounds {
        for kind in kinds {
            let pool = ObjectPool(capacity: 1024) { ResultSlab() }
            let buffer = BatchBuffer(configuration: .init(maxItems: 100_000, maxBytes: 64 << 20, flushThresholdItems: 1 << 30))
            let parser = BatchParser(maxItems: 100_000)
            let processor: any BatchProcessor = kind == "pooled"
                ? PooledBatchProcessor(parser: parser, pool: pool, buffer: buffer) {}
                : NaiveBatchProcessor(parser: parser, buffer: buffer) {}
            results[kind]!.append(measure(processor, pool: pool, buffer: buffer, body: bytes, items: workload.items, seconds: options.seconds,
                                        requestLimit: options.requests))
        }
    }
    for kind in kinds {
        let runs = results[kind]!
        print(pad(workload.name, 9), pad(kind, 10), pad(format(median(runs.map(\.itemsPerSecond)), 0), 12),
              pad(format(median(runs.map(\.allocationsPerItem)), 3), 12), pad(format(median(runs.map(\.allocationsPerRequest)), 1), 11),
              pad(format(median(runs.map(\.bytesPerItem)), 1), 11))
    }
    if kinds.count == 2 {
        let ratio = median(results["pooled"]!.map(\.itemsPerSecond)) / median(results["naive"]!.map(\.itemsPerSecond))
        print(pad("", 9), pad("ratio", 10), pad(format(ratio, 1) + "x", 12))
    }
}

if options.only != nil { exit(0) }

// The contended case: `threads` threads share one pool and one buffer, drained by a real
// Flusher into a DiscardSink, as the server's connections are.
final class ContendedRun: @unchecked Sendable {
    // Written before the threads start and read-only afterwards, except the tallies, where
    // each thread writes only its own slot (read after every thread is joined).
    let processor: any BatchProcessor
    let body: [UInt8]
    let items: Int
    let deadline: Double
    let accepted: UnsafeMutableBufferPointer<Int>
    let refused: UnsafeMutableBufferPointer<Int>

    init(processor: any BatchProcessor, body: [UInt8], items: Int, deadline: Double, threads: Int) {
        self.processor = processor
        self.body = body
        self.items = items
        self.deadline = deadline
        accepted = .allocate(capacity: threads)
        accepted.initialize(repeating: 0)
        refused = .allocate(capacity: threads)
        refused.initialize(repeating: 0)
    }

    deinit {
        accepted.deallocate()
        refused.deallocate()
    }

    func work(slot: Int) {
        let scratch = BatchScratch()
        var accepted = 0
        var refused = 0
        while now() < deadline {
            for _ in 0..<10 {
                switch body.withUnsafeBytes({ processor.process($0, format: .json, receivedAtNanoseconds: 1, scratch: scratch) }) {
                case .processed(let count, _, _): accepted += count
                case .bufferFull: refused += 1
                default: preconditionFailure("benchmark batch was refused")
                }
            }
        }
        self.accepted[slot] = accepted
        self.refused[slot] = refused
    }
}

final class ThreadArgument {
    let run: ContendedRun
    let slot: Int
    init(run: ContendedRun, slot: Int) { self.run = run; self.slot = slot }
}

/// One round of the contended case. A global function, not top-level code: closures made in
/// main.swift's top level are main-actor isolated and trap when the flusher calls them.
func contendedRound(threads threadCount: Int, seconds: Double)
    -> (itemsPerSecond: Double, allocationsPerItem: Double, hitRate: Double, refused: Int) {
    let pool = ObjectPool(capacity: 1024, maxIdleBytes: 64 << 20) { ResultSlab() }
    let buffer = BatchBuffer(configuration: .init(maxItems: 50_000, maxBytes: 64 << 20, flushThresholdItems: 10_000))
    let flusher = Flusher(buffer: buffer, sink: DiscardSink(), pool: pool)
    let processor = PooledBatchProcessor(parser: BatchParser(maxItems: 100_000), pool: pool, buffer: buffer) { flusher.nudge() }
    flusher.start()
    let start = now()
    let run = ContendedRun(processor: processor, body: body(items: 100, dataAsString: false), items: 100,
                           deadline: start + seconds, threads: threadCount)
    let before = sluice_alloc_read()
    let poolBefore = pool.statistics
    var threads: [pthread_t] = []
    for slot in 0..<threadCount {
        var thread = pthread_t()
        let argument = Unmanaged.passRetained(ThreadArgument(run: run, slot: slot)).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            let argument = Unmanaged<ThreadArgument>.fromOpaque(raw!).takeRetainedValue()
            argument.run.work(slot: argument.slot)
            return nil
        }, argument)
        precondition(created == 0, "pthread_create failed")
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
    let elapsed = now() - start
    let after = sluice_alloc_read()
    let poolAfter = pool.statistics
    _ = flusher.drain(deadline: .now + .seconds(10))
    flusher.stop()
    let accepted = run.accepted.reduce(0, +)
    let gets = poolAfter.gets - poolBefore.gets
    return (Double(accepted) / elapsed, Double(after.allocations - before.allocations) / Double(max(accepted, 1)),
            gets == 0 ? 1 : Double(poolAfter.hits - poolBefore.hits) / Double(gets), run.refused.reduce(0, +))
}

let contended = (0..<options.rounds).map { _ in contendedRound(threads: options.threads, seconds: options.seconds) }
print("contended: \(options.threads) threads, W1, shared pool and buffer, Flusher into DiscardSink; medians of \(options.rounds)")
print(pad("items/s", 12), pad("allocs/item", 12), pad("slab hits", 10), pad("refused", 8))
print(pad(format(median(contended.map(\.itemsPerSecond)), 0), 12), pad(format(median(contended.map(\.allocationsPerItem)), 4), 12),
      pad(format(median(contended.map(\.hitRate)) * 100, 2) + "%", 10), pad(String(contended.map(\.refused).sorted()[contended.count / 2]), 8))

// Scanner throughput: validate the W1 body on one core.
let w1 = body(items: 100, dataAsString: false)
let scanner = JSONScanner()
var validated = 0
let scanStart = now()
while now() - scanStart < options.seconds {
    for _ in 0..<1000 {
        if case .success = w1.withUnsafeBytes({ scanner.validate($0) }) { validated += 1 }
    }
}
let megabytesPerSecond = Double(validated * w1.count) / (now() - scanStart) / 1e6
print("scanner: \(format(megabytesPerSecond, 0)) MB/s validating the \(w1.count)-byte W1 body on one core")
