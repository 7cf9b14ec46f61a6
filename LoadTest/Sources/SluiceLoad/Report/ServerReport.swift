/// The server's view of the run, from its `/metrics` before and after: memory drift,
/// allocations per item, items it accepted, and load shedding.
///
/// Every value is optional: a metric the server does not export is reported as unavailable.
public struct ServerReport: Sendable {
    /// Why the server's metrics could not be used (unreachable, 404, unparsable), or nil.
    public var unavailableReason: String?
    /// `process_resident_memory_bytes` before and after the run.
    public var residentBytesBefore: Double?
    public var residentBytesAfter: Double?
    /// Delta of `sluice_heap_allocations_total`.
    public var heapAllocations: Double?
    /// Delta of `sluice_items_accepted_total`.
    public var itemsAccepted: Double?
    /// Delta of `sluice_load_shed_total`, summed over its reasons.
    public var loadShed: Double?

    public init(unavailableReason: String? = nil, residentBytesBefore: Double? = nil,
                residentBytesAfter: Double? = nil, heapAllocations: Double? = nil,
                itemsAccepted: Double? = nil, loadShed: Double? = nil) {
        self.unavailableReason = unavailableReason
        self.residentBytesBefore = residentBytesBefore
        self.residentBytesAfter = residentBytesAfter
        self.heapAllocations = heapAllocations
        self.itemsAccepted = itemsAccepted
        self.loadShed = loadShed
    }

    /// A report for a server without usable metrics.
    public static func unavailable(_ reason: String) -> ServerReport {
        ServerReport(unavailableReason: reason)
    }

    /// Heap allocations per accepted item, when both deltas are known and items were accepted.
    public var heapAllocationsPerItem: Double? {
        guard let heapAllocations, let itemsAccepted, itemsAccepted > 0 else { return nil }
        return heapAllocations / itemsAccepted
    }

    /// How the server's accepted count compares with what the tester saw acknowledged.
    public enum ItemAgreement: Equatable, Sendable {
        case agree
        case mismatch(server: Int, tester: Int)
        /// The server does not export `sluice_items_accepted_total`.
        case unknown
    }

    /// Compares the server's accepted items with `acknowledged`, the tester's count.
    public func agreement(acknowledged: Int) -> ItemAgreement {
        guard unavailableReason == nil, let itemsAccepted else { return .unknown }
        let server = Int(itemsAccepted.rounded())
        return server == acknowledged ? .agree : .mismatch(server: server, tester: acknowledged)
    }

    /// The warning printed when the counts disagree, or nil.
    public func mismatchWarning(acknowledged: Int) -> String? {
        guard case .mismatch(let server, let tester) = agreement(acknowledged: acknowledged) else { return nil }
        return "WARNING: item count mismatch: the server accepted \(NumberFormat.grouped(server)) items "
            + "but the tester saw \(NumberFormat.grouped(tester)) acknowledged (difference \(NumberFormat.grouped(server - tester)))"
    }
}
