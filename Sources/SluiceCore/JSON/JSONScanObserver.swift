/// Hears the structure of a document while `JSONScanner` validates it, so a reader can record
/// what it needs in the same pass instead of walking the bytes again.
///
/// `level` is the number of containers around the value: the top-level value is at level 0,
/// the elements of a top-level array at level 1. Calls arrive in document order; what was
/// heard is only trustworthy once the whole document validated (a later byte may still break
/// it). A conforming struct is passed `inout` and specialised: a no-op observer costs nothing.
protocol JSONScanObserver {
    /// An array or object opens at `start`.
    mutating func didOpen(at start: Int, level: Int, isObject: Bool)
    /// A member name was read (its contents, quotes excluded); its value follows at `level`.
    mutating func didReadName(_ name: Range<Int>, level: Int)
    /// A string, number or literal ended.
    mutating func didEndScalar(_ value: Range<Int>, level: Int)
    /// The array or object opened last at `level` ended; `end` is the offset after it.
    mutating func didClose(end: Int, level: Int)
}

/// Hears nothing: plain validation.
struct NoScanObserver: JSONScanObserver {
    /// One stored byte so the type is not zero-sized: Swift gives every zero-sized variable the
    /// same placeholder address (here a global), and ThreadSanitizer then reports two threads'
    /// separate `inout` locals as a race on it (seen in CI). Optimised away in release builds.
    private var notZeroSized: UInt8 = 0

    @inline(__always) mutating func didOpen(at start: Int, level: Int, isObject: Bool) {}
    @inline(__always) mutating func didReadName(_ name: Range<Int>, level: Int) {}
    @inline(__always) mutating func didEndScalar(_ value: Range<Int>, level: Int) {}
    @inline(__always) mutating func didClose(end: Int, level: Int) {}
}
