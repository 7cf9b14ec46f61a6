import Glibc
import SluiceLoad

/// One invocation after the options are valid: preflight, metrics before, the run with its
/// progress line, metrics after, then the report (text or JSON) and the optional chart.
struct LoadSession {
    struct Options {
        var isJSON: Bool
        var svgPath: String?
        var scrapesServerMetrics: Bool
        /// nil: `/metrics` on the target's host and port.
        var metricsURL: String?
        var showsProgress: Bool
    }

    let plan: LoadPlan
    let options: Options

    func run() throws(LoadError) {
        CurlGlobal.initialize()
        try Reachability.check(plan.target)
        // Open the chart file now, so a bad path fails before the run, not after it.
        let chartFile = try options.svgPath.map { path throws(LoadError) in try OutputFile(path: path) }
        let probe = ServerMetricsProbe(url: options.metricsURL ?? plan.target.metricsURL)
        let before = options.scrapesServerMetrics ? probe.scrape() : .failure(MetricsUnavailable(reason: "--no-server-metrics"))

        InterruptSignal.install()
        var progress = ProgressLine()
        let result = try LoadRunner(plan: plan).run(
            onProgress: { snapshot in if options.showsProgress { progress.draw(snapshot) } },
            shouldStop: { InterruptSignal.wasRaised })
        if options.showsProgress { progress.clear() }

        let after = options.scrapesServerMetrics ? probe.scrape() : before
        let server = ServerMetricsProbe.report(before: before, after: after)
        if options.isJSON {
            Console.out(JSONReport(result: result, server: server).render())
            if let warning = server.mismatchWarning(acknowledged: result.acknowledgedItems) {
                Console.error("sluice-load: \(warning)\n")
            }
        } else {
            Console.out(TextReport(result: result, server: server).render())
        }
        try chartFile?.write(LatencyChart(result: result).render())
    }
}

/// A file created (or truncated) up front and written once at the end.
struct OutputFile {
    let path: String
    private let fd: Int32

    init(path: String) throws(LoadError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .outputUnwritable(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes `text` and closes the file.
    func write(_ text: String) throws(LoadError) {
        defer { close(fd) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw .outputUnwritable(path: path, reason: String(cString: strerror(errno))) }
            bytes = bytes.dropFirst(count)
        }
    }
}
