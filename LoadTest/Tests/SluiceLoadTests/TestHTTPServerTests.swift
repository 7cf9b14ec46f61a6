import SluiceLoad
import Testing

/// The test server itself. Several run at once in this process (the suites run in parallel), so
/// stopping one must leave every other socket alone.
@Suite("Test server")
struct TestHTTPServerTests {
    @Test func stop_LeavesDescriptorsItNoLongerOwnsAlone() throws {
        let first = try TestHTTPServer()
        defer { first.stop() }
        // One short connection: the server closes its side when the client hangs up, and the
        // process hands that descriptor number to the next socket it opens.
        try Reachability.check(try TargetURL(first.batchURL))
        try Condition.wait(until: "the first server accepted and closed one connection") {
            first.connectionsAccepted.load(ordering: .relaxed) == 1 && first.openConnectionCount == 0
        }
        let second = try TestHTTPServer()
        defer { second.stop() }
        first.stop()

        let response = try HTTPFetch.get(try TargetURL(second.batchURL).metricsURL)
        #expect(response.status == 200, "the second server still listens after the first stopped")
    }
}
