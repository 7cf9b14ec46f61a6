import PrometheusText
import Testing

@Suite("Prometheus text parser")
struct PrometheusParserTests {
    static let page = """
    # HELP process_resident_memory_bytes Resident memory size in bytes.
    # TYPE process_resident_memory_bytes gauge
    process_resident_memory_bytes 1.2582912e+07

    # TYPE sluice_load_shed_total counter
    sluice_load_shed_total{reason="buffer_full"} 3
    sluice_load_shed_total{reason="memory_limit",} 4 1700000000000
    # a free-form comment
    sluice_http_request_duration_seconds_bucket{route="/batch",le="+Inf"} 17
    weird_label{text="say \\"hi\\"\\nand a \\\\ back"}\t+Inf
    not_a_number NaN
    negative -Inf
    spaced_out   {  a = "1" , b="2"  }   0.5

    """

    @Test func page_IsParsedIntoSamplesAndTypes() throws {
        let scrape = try PrometheusScrape(parsing: Self.page)
        #expect(scrape.samples.count == 8)
        #expect(scrape.types == ["process_resident_memory_bytes": "gauge", "sluice_load_shed_total": "counter"])
        #expect(scrape.value("process_resident_memory_bytes") == 12_582_912)
        #expect(scrape.samples[2] == PrometheusSample(
            name: "sluice_load_shed_total", labels: ["reason": "memory_limit"], value: 4,
            timestampMilliseconds: 1_700_000_000_000))
        #expect(scrape.value("sluice_http_request_duration_seconds_bucket", labels: ["route": "/batch", "le": "+Inf"]) == 17)
        #expect(scrape.samples[4].labels["text"] == "say \"hi\"\nand a \\ back")
        #expect(scrape.value("weird_label", labels: ["text": "say \"hi\"\nand a \\ back"]) == .infinity)
        #expect(scrape.value("not_a_number")?.isNaN == true)
        #expect(scrape.value("negative") == -.infinity)
        #expect(scrape.value("spaced_out", labels: ["a": "1", "b": "2"]) == 0.5)
    }

    @Test func sum_AddsEveryLabelSet_AndIsNilWhenAbsent() throws {
        let scrape = try PrometheusScrape(parsing: Self.page)
        #expect(scrape.sum("sluice_load_shed_total") == 7)
        #expect(scrape.sum("sluice_items_accepted_total") == nil)
        #expect(scrape.value("sluice_load_shed_total") == nil, "value() needs the exact label set")
    }

    @Test func crlfLineEndings_AndEmptyPage_AreAccepted() throws {
        let scrape = try PrometheusScrape(parsing: "a 1\r\nb{x=\"y\"} 2\r\n")
        #expect(scrape.samples.map(\.value) == [1, 2])
        #expect(try PrometheusScrape(parsing: "").samples.isEmpty)
        #expect(try PrometheusScrape(parsing: "\n\n# only comments\n").samples.isEmpty)
    }

    @Test(arguments: [
        ("{a=\"b\"} 1", PrometheusParseError.invalidMetricName(line: 1)),
        ("m{a=\"b\" 1", .expectedCharacter(",", line: 1)),
        ("m{=\"b\"} 1", .invalidLabelName(line: 1)),
        ("m{a\"b\"} 1", .expectedCharacter("=", line: 1)),
        ("m{a=b} 1", .expectedCharacter("\"", line: 1)),
        ("m{a=\"b} 1", .unterminatedLabelValue(line: 1)),
        ("m{a=\"b\\x\"} 1", .invalidEscape(line: 1)),
        ("m{a=\"1\",a=\"2\"} 1", .duplicateLabel(name: "a", line: 1)),
        ("ok 1\nm abc", .invalidValue("abc", line: 2)),
        ("m", .invalidValue("", line: 1)),
        ("m 1 1.5", .invalidTimestamp("1.5", line: 1)),
        ("m 1 2 3", .trailingText(line: 1)),
    ])
    func malformedLine_ThrowsNamingTheLine(text: String, expected: PrometheusParseError) {
        #expect(throws: expected) { try PrometheusScrape(parsing: text) }
    }

    @Test func errorDescriptions_NameTheLine() {
        #expect(PrometheusParseError.invalidValue("abc", line: 7).description == #"line 7: "abc" is not a sample value"#)
    }
}
