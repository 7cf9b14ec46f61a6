@testable import LoadCLI
@testable import SluiceLoad
import Testing

@Suite("Argument validation")
struct ArgumentValidationTests {
    private func plan(_ arguments: [String]) throws -> LoadPlan {
        try LoadCommand.parse(arguments).makePlan()
    }

    @Test func defaults_AreAClosedTenSecondRunOfHundredItemBatches() throws {
        let plan = try plan([])
        #expect(plan.target.url == "http://127.0.0.1:8080/batch")
        #expect(plan.target.metricsURL == "http://127.0.0.1:8080/metrics")
        #expect(plan.model == .closed)
        #expect(plan.connections == 10)
        #expect(plan.threads == 1)
        #expect(plan.duration == .seconds(10))
        #expect(plan.requestLimit == nil)
        #expect(plan.body.itemsPerRequest == 100)
        #expect(plan.body.shape == .object)
    }

    @Test func token_GoesIntoEveryRequestHead_AndABadOneIsRefusedWithoutEchoingIt() throws {
        let plan = try plan(["--token", "abc.DEF-123"])
        #expect(plan.bearerToken == "abc.DEF-123")
        #expect(plan.headerLines.last == "Authorization: Bearer abc.DEF-123")
        let head = RequestMessage.head(target: plan.target, body: plan.body, bearerToken: plan.bearerToken)
        #expect(head.contains("\r\nAuthorization: Bearer abc.DEF-123\r\n"))
        #expect(try self.plan([]).headerLines.allSatisfy { !$0.hasPrefix("Authorization") })
        for bad in ["two words", "line\r\nX-Injected: 1", ""] {
            #expect(throws: LoadError.invalidToken) { try self.plan(["--token", bad]) }
        }
        #expect(!LoadError.invalidToken.description.contains("two words"))
    }

    @Test func rate_SelectsTheOpenModel() throws {
        let plan = try plan(["--rate", "200", "-c", "4", "-t", "2", "-d", "2s", "--data-shape", "ndjson", "--gzip"])
        #expect(plan.model == .open(requestsPerSecond: 200))
        #expect(plan.connections == 4)
        #expect(plan.threads == 2)
        #expect(plan.duration == .seconds(2))
        #expect(plan.body.contentType == "application/x-ndjson")
        #expect(plan.body.contentEncoding == "gzip")
    }

    @Test func requestsAlone_AreBoundedByTheHardCap() throws {
        let plan = try plan(["--requests", "500"])
        #expect(plan.requestLimit == 500)
        #expect(plan.duration == LoadPlan.maxDuration)
    }

    @Test(arguments: [("10s", 10_000.0), ("500ms", 500), ("2m", 120_000), ("1.5", 1_500), ("250us", 0.25)])
    func durations_AcceptUnits(text: String, milliseconds: Double) {
        #expect(DurationText.parse(text).map { Double($0.nanoseconds) / 1e6 } == milliseconds)
    }

    @Test(arguments: ["", "abc", "10x", "-1s", "s", "1e30s"])
    func durations_RejectNonsense(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (["--connections", "0"], LoadError.invalidConnections(0)),
        (["--threads", "0"], .invalidThreads(0)),
        (["--connections", "2", "--threads", "4"], .fewerConnectionsThanThreads(connections: 2, threads: 4)),
        (["--rate", "0"], .invalidRate(0)),
        (["--rate=-5"], .invalidRate(-5)),
        (["--rate", "inf"], .invalidRate(.infinity)),
        (["--duration", "abc"], .invalidDuration("abc")),
        (["--duration", "0s"], .invalidDuration("0s")),
        (["--duration", "2h"], .durationOverLimit(seconds: 7_200, limitSeconds: 3_600)),
        (["--requests", "0"], .invalidRequestCount(0)),
        (["--items=-1"], .invalidItemCount(-1)),
        (["--items", "2000000"], .invalidItemCount(2_000_000)),
        (["--timeout", "0s"], .invalidTimeout("0s")),
        (["--timeout", "soon"], .invalidTimeout("soon")),
        (["--body-file", "/nonexistent/body.json"],
         .bodyFileUnreadable(path: "/nonexistent/body.json", reason: "No such file or directory")),
    ])
    func invalidOptions_ThrowTheMatchingError(arguments: [String], expected: LoadError) {
        #expect(throws: expected) { try plan(arguments) }
    }

    @Test(arguments: ["ftp://127.0.0.1/batch", "http://", "not a url", "127.0.0.1:8080/batch", "http://127.0.0.1:99999/batch"])
    func badURLs_AreInvalidURLErrors(url: String) {
        #expect {
            try plan(["--url", url])
        } throws: { error in
            guard case LoadError.invalidURL(let text, _) = error else { return false }
            return text == url
        }
    }

    @Test func urlParts_AreSplitByCurl() throws {
        let target = try TargetURL("http://localhost:9000/v1/batch?x=1#frag")
        #expect(target.host == "localhost")
        #expect(target.port == 9000)
        #expect(target.metricsURL == "http://localhost:9000/metrics")
        #expect(try TargetURL("https://example.test/batch").port == 443)
        #expect(try TargetURL("http://example.test/batch").authority == "example.test:80")
    }

    @Test func errorDescriptions_AreOneReadableLine() {
        let errors: [LoadError] = [
            .invalidConnections(0), .invalidRate(0), .unreachable("127.0.0.1:1", reason: "Connection refused"),
            .bodyFileUnreadable(path: "/x", reason: "No such file or directory"),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(!error.description.isEmpty)
        }
        #expect(LoadError.invalidConnections(0).description == "--connections must be at least 1, got 0")
    }
}
