// swift-tools-version:6.0
import PackageDescription

// The per-request path (wire transport, response parser, worker) runs without dynamic
// exclusivity checks in release builds: swift_beginAccess was about 2 % of the client's CPU.
// Debug builds and the tests keep the checks.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "sluice-load",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice-load", targets: ["sluice-load"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // libcurl and zlib for Swift: non-variadic setopt/getinfo wrappers, the epoll glue for
        // curl's socket interface, the response-capturing write callback and gzip.
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("z")]
        ),
        // ThreadSanitizer builds only: makes Synchronization.Mutex's contended hand-off visible
        // to TSan (empty otherwise). A symlink to the service's target of the same name.
        .target(name: "CTSanMutexAnnotations"),
        // Prometheus text exposition format 0.0.4 parser; no dependencies.
        .target(name: "PrometheusText"),
        // Workloads, the multi-interface load engine, the report and the latency chart.
        .target(
            name: "SluiceLoad",
            dependencies: ["CCurl", "CTSanMutexAnnotations", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: hotPathSettings
        ),
        // Command line: options, validation, wiring of engine, server metrics and report.
        .target(
            name: "LoadCLI",
            dependencies: [
                "SluiceLoad", "PrometheusText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "sluice-load", dependencies: ["LoadCLI"]),
        .testTarget(name: "PrometheusTextTests", dependencies: ["PrometheusText"]),
        .testTarget(
            name: "SluiceLoadTests",
            // Depends on the executable so that `swift test` builds it for the CLI tests.
            dependencies: ["SluiceLoad", "LoadCLI", "CCurl", "sluice-load"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
