/// The access-control families of `/metrics`, present only when `--auth-file` is set:
/// `sluice_auth_failures_total{reason}` (`missing`, `invalid`) and, per tenant of the auth
/// file (so the series count is bounded by the file), `sluice_tenant_items_accepted_total{tenant}`
/// and `sluice_tenant_throttled_total{tenant}` (requests answered 429).
public struct AccessMetrics: Sendable, Equatable {
    public struct Tenant: Sendable, Equatable {
        public var name: String
        public var itemsAccepted: UInt64
        public var throttled: UInt64

        public init(name: String, itemsAccepted: UInt64, throttled: UInt64) {
            self.name = name
            self.itemsAccepted = itemsAccepted
            self.throttled = throttled
        }
    }

    /// Requests without credentials.
    public var missingCredentials: UInt64
    /// Requests whose credentials are no known token.
    public var invalidCredentials: UInt64
    public var tenants: [Tenant]

    public init(missingCredentials: UInt64, invalidCredentials: UInt64, tenants: [Tenant]) {
        self.missingCredentials = missingCredentials
        self.invalidCredentials = invalidCredentials
        self.tenants = tenants
    }
}
