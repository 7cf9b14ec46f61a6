/// Why a request was refused with 503: the `reason` label of `sluice_load_shed_total`.
package enum LoadShedReason: Int, CaseIterable, Sendable {
    /// The batch buffer had no room for the request's items.
    case bufferFull
    /// The memory guard is shedding (resident memory over its threshold).
    case memoryLimit
    /// The service is shutting down.
    case draining

    /// The label value, e.g. "buffer_full".
    package var label: String {
        switch self {
        case .bufferFull: "buffer_full"
        case .memoryLimit: "memory_limit"
        case .draining: "draining"
        }
    }
}

/// Why idle memory was given back: the `reason` label of `sluice_memory_released_bytes_total`.
package enum MemoryReleaseReason: Int, CaseIterable, Sendable {
    /// A usage window ended: idle objects its load did not need (the pools follow the load).
    case unused
    /// Resident memory reached the shed threshold: everything idle, before shedding and while it.
    case memoryLimit

    /// The label value, e.g. "memory_limit".
    package var label: String {
        switch self {
        case .unused: "unused"
        case .memoryLimit: "memory_limit"
        }
    }
}
