import PrometheusText
import SluiceLoad

/// Scrapes the server's `/metrics` before and after a run and turns the two pages into a
/// ``ServerReport``. A missing or broken endpoint is not an error: the report then says
/// "server metrics unavailable" with the reason.
struct ServerMetricsProbe {
    let url: String

    /// One scrape: the parsed page, or why there is none.
    func scrape() -> Result<PrometheusScrape, MetricsUnavailable> {
        let response: HTTPFetch.Response
        do {
            response = try HTTPFetch.get(url)
        } catch {
            return .failure(MetricsUnavailable(reason: error.description))
        }
        guard response.status == 200 else {
            return .failure(MetricsUnavailable(reason: "GET \(url) answered \(response.status)"))
        }
        do {
            return .success(try PrometheusScrape(parsing: String(decoding: response.body, as: UTF8.self)))
        } catch {
            return .failure(MetricsUnavailable(reason: "\(url) is not Prometheus text: \(error.description)"))
        }
    }

    /// Compares two scrapes; counters are deltas, RSS is reported at both ends.
    static func report(before: Result<PrometheusScrape, MetricsUnavailable>,
                       after: Result<PrometheusScrape, MetricsUnavailable>) -> ServerReport {
        let start: PrometheusScrape
        let end: PrometheusScrape
        switch (before, after) {
        case (.failure(let problem), _), (_, .failure(let problem)):
            return .unavailable(problem.reason)
        case (.success(let first), .success(let second)):
            start = first
            end = second
        }
        func delta(_ name: String) -> Double? {
            guard let last = end.sum(name), let first = start.sum(name) else { return nil }
            return last - first
        }
        // Labelled counters such as sluice_load_shed_total{reason} appear only once counted.
        let loadShed = end.sum("sluice_load_shed_total").map { $0 - (start.sum("sluice_load_shed_total") ?? 0) }
        return ServerReport(
            residentBytesBefore: start.value("process_resident_memory_bytes"),
            residentBytesAfter: end.value("process_resident_memory_bytes"),
            heapAllocations: delta("sluice_heap_allocations_total"),
            itemsAccepted: delta("sluice_items_accepted_total"),
            loadShed: loadShed
        )
    }
}

/// Why a scrape gave nothing usable.
struct MetricsUnavailable: Error {
    var reason: String
}
