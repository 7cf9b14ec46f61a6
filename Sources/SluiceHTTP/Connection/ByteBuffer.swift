/// A growable byte buffer with a read index and a write index, reused across requests.
///
/// Bytes between `readerIndex` and `writerIndex` are unread. `compact()` moves them to the
/// front so the space before them is reused; `reserveWritable(_:)` grows the storage (by
/// doubling) only when compaction cannot make room. Storage is malloc'd once and kept, so a
/// connection that reuses its buffer does no allocation per request.
///
/// Ownership rule: a buffer has one owner at a time (the pool, or one connection on its queue);
/// it moves whole between them, which is why it is `@unchecked Sendable`. Never share one.
///
/// The storage pointer never leaves the type: handlers append with `write`, the server reaches
/// the bytes only through scoped accessors, and every index move is checked.
public final class ByteBuffer: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    /// Where the unread bytes start.
    public private(set) var readerIndex = 0
    /// Where the next byte is written.
    public private(set) var writerIndex = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "ByteBuffer capacity must be positive")
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Number of unread bytes.
    public var readableBytes: Int { writerIndex - readerIndex }
    /// Free space after the write index.
    public var writableBytes: Int { capacity - writerIndex }

    /// Marks `count` unread bytes as read.
    package func moveReaderIndex(forwardBy count: Int) {
        precondition(count >= 0 && count <= readableBytes, "ByteBuffer reader index moved past the written bytes")
        readerIndex += count
    }

    /// Puts the reader index at `index`, which must lie within the written bytes.
    package func moveReaderIndex(to index: Int) {
        precondition(index >= 0 && index <= writerIndex, "ByteBuffer reader index out of bounds")
        readerIndex = index
    }

    /// Forgets the last `count` written bytes (e.g. chunk framing decoded away in place).
    package func removeLast(_ count: Int) {
        precondition(count >= 0 && count <= readableBytes, "ByteBuffer cannot remove more than its unread bytes")
        writerIndex -= count
    }

    /// Lets `fill` write up to `count` bytes at the write index (after reserving them) and
    /// appends as many as it reports. A negative report (a failed system call) is passed
    /// through and appends nothing.
    package func append(upTo count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        reserveWritable(count)
        let written = fill(UnsafeMutableRawBufferPointer(start: base + writerIndex, count: count))
        precondition(written <= count, "ByteBuffer.append wrote past the space it was given")
        if written > 0 { writerIndex += written }
        return written
    }

    /// Calls `body` with the unread bytes, read-only.
    public func withReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base + readerIndex, count: readableBytes))
    }

    /// Calls `body` with the unread bytes, writable in place (e.g. chunked decoding).
    package func withUnsafeMutableReadableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: base + readerIndex, count: readableBytes))
    }

    /// Forgets all content, keeping the storage.
    public func clear() {
        readerIndex = 0
        writerIndex = 0
    }

    /// Moves the unread bytes to the start of the storage.
    package func compact() {
        guard readerIndex > 0 else { return }
        let count = readableBytes
        if count > 0 {
            // Safe: both ranges lie inside [0, capacity); memmove handles the overlap.
            (base + 0).copyMemory(from: base + readerIndex, byteCount: count)
        }
        readerIndex = 0
        writerIndex = count
    }

    /// Makes room for at least `count` more bytes after the write index, compacting first and
    /// growing only when that is not enough.
    package func reserveWritable(_ count: Int) {
        if writableBytes >= count { return }
        compact()
        if writableBytes >= count { return }
        var newCapacity = capacity
        while newCapacity - writerIndex < count { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        // Safe: writerIndex <= capacity bytes are initialised in the old storage.
        newBase.copyMemory(from: base, byteCount: writerIndex)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends raw bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserveWritable(bytes.count)
        // Safe: reserveWritable guaranteed `bytes.count` free bytes at writerIndex.
        (base + writerIndex).copyMemory(from: source, byteCount: bytes.count)
        writerIndex += bytes.count
    }

    /// Appends the UTF-8 bytes of a string (literals are read in place, no allocation).
    public func write(_ string: StaticString) {
        write(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    /// Appends the UTF-8 bytes of a string.
    public func write(string: String) {
        var string = string
        string.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Appends the bytes of an array.
    public func write(bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Appends one byte.
    public func write(byte: UInt8) {
        reserveWritable(1)
        base.storeBytes(of: byte, toByteOffset: writerIndex, as: UInt8.self)
        writerIndex += 1
    }

    /// Appends the decimal digits of a non-negative integer.
    public func write(decimal value: Int) {
        precondition(value >= 0, "write(decimal:) takes a non-negative value")
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch on the stack
        var v = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[23 - count] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            write(UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// A view of the unread bytes, valid until the buffer is next mutated.
    package var readableView: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + readerIndex, count: readableBytes)
    }

    /// A view of `count` bytes starting at absolute `offset`.
    package func view(offset: Int, count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && count >= 0 && offset + count <= writerIndex, "ByteBuffer view out of bounds")
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}
