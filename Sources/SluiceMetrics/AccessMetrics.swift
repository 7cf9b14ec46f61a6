/// The access-control families of `/metrics`, present only when `--auth-file` is set:
/// `sluice_auth_failures_total{reason}` (`missing`, `invalid`) and, per tenant of the auth
/// file (so the series count is bounded by the file), `sluice_tenant_items_accepted_total{tenant}`
/// and `sluice_tenant_throttled_total{tenant}` (requests answered 429).
package struct AccessMetrics: Sendable, Equatable {
    package struct Tenant: Sendable, Equatable {
        package var name: String
        package var itemsAccepted: UInt64
        package var throttled: UInt64

        package init(name: String, itemsAccepted: UInt64, throttled: UInt64) {
            self.name = name
            self.itemsAccepted = itemsAccepted
            self.throttled = throttled
        }
    }

    /// Requests without credentials.
    package var missingCredentials: UInt64
    /// Requests whose credentials are no known token.
    package var invalidCredentials: UInt64
    package var tenants: [Tenant]

    package init(missingCredentials: UInt64, invalidCredentials: UInt64, tenants: [Tenant]) {
        self.missingCredentials = missingCredentials
        self.invalidCredentials = invalidCredentials
        self.tenants = tenants
    }
}
