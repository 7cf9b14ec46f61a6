// swift-tools-version:6.0
import PackageDescription

/// Release builds of the hot-path modules skip Swift's dynamic exclusivity checks: 5% fewer
/// instructions per W1 request in sluice-bench under callgrind (289,674 vs 304,486). Debug
/// builds, and so the tests, keep the checks.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceHTTP", targets: ["SluiceHTTP"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Socket-level HTTP/1.1 server on POSIX sockets and DispatchSource.
        .target(name: "SluiceHTTP", dependencies: ["SluiceSupport", "CSystemShims", "CTSanMutexAnnotations", .product(name: "Logging", package: "swift-log")],
                swiftSettings: hotPathSettings),
        // What the libraries share without importing one another: the clocks, Duration to
        // nanoseconds, the duration histogram primitive, JSON string escaping, rejection labels.
        .target(name: "SluiceSupport", swiftSettings: hotPathSettings),
        // System calls Swift's Glibc module does not expose (accept4 needs _GNU_SOURCE).
        .target(name: "CSystemShims"),
        // ThreadSanitizer builds only: makes Synchronization.Mutex's contended hand-off visible
        // to TSan (empty otherwise). A dependency of every target that uses Mutex.
        .target(name: "CTSanMutexAnnotations"),
        // zlib, for gzip request bodies.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The NATS C client (libnats), for the JetStream sink.
        .systemLibrary(name: "CNATS", providers: [.apt(["libnats-dev"])]),
        // JSON scanning, batch parsing, pools, the batch buffer, the flusher and the sinks.
        .target(name: "SluiceCore", dependencies: ["SluiceSupport", "CZlib", "CTSanMutexAnnotations"], swiftSettings: hotPathSettings),
        // Access control: SHA-256, the auth file, tenant tokens, per-tenant token buckets.
        .target(name: "SluiceAccess", dependencies: ["CTSanMutexAnnotations"], swiftSettings: hotPathSettings),
        // The JetStream sink (`--sink jetstream`): SluiceCore's Sink on the NATS C client, kept out
        // of SluiceCore so the core, its fuzz targets and sluice-bench do not link libnats.
        .target(name: "SluiceJetStream", dependencies: ["SluiceCore", "SluiceSupport", "CNATS", "CTSanMutexAnnotations"]),
        // The service: options, wiring, routes, signals.
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceHTTP", "SluiceCore", "SluiceMetrics", "SluiceAccess", "SluiceJetStream", "SluiceSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Export malloc & co so every library's allocations go through CAllocCounter.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"])]
        ),
        // Counts heap allocations by interposing malloc & co (the executables export them).
        .target(name: "CAllocCounter"),
        // glibc's <malloc.h> (mallinfo2, malloc_trim), which Swift's Glibc module leaves out.
        .systemLibrary(name: "CMallocInfo"),
        // Memory monitor, allocator stats, request metrics, Prometheus exposition, memory guard.
        .target(name: "SluiceMetrics", dependencies: ["SluiceSupport", "CAllocCounter", "CMallocInfo", "CTSanMutexAnnotations"]),
        // In-process pipeline benchmark: pooled vs naive, items/s and allocations per item.
        .executableTarget(
            name: "sluice-bench",
            dependencies: ["SluiceCore", "CAllocCounter"],
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"])]
        ),
        // The HTTP core alone, for LoadTest/http-core/bench.sh (wrk against it and nginx).
        .executableTarget(
            name: "sluice-http-bench",
            dependencies: ["SluiceHTTP", .product(name: "Logging", package: "swift-log")]
        ),
        // Raw-socket client and real-process launcher shared by the test targets.
        .target(name: "SluiceTestSupport", dependencies: ["CTSanMutexAnnotations"], path: "Tests/SluiceTestSupport"),
        .testTarget(name: "SluiceHTTPTests", dependencies: ["SluiceHTTP", "SluiceTestSupport"]),
        .testTarget(name: "SluiceServiceTests", dependencies: ["SluiceHTTP", "SluiceTestSupport"]),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore", "SluiceSupport"]),
        .testTarget(name: "SluiceMetricsTests", dependencies: ["SluiceMetrics", "SluiceSupport", "SluiceTestSupport"]),
        .testTarget(name: "SluiceSupportTests", dependencies: ["SluiceSupport"]),
        .testTarget(name: "SluiceAccessTests", dependencies: ["SluiceAccess"]),
        // Against real nats-server processes (single, restarted, a 3-node cluster) and real sluice.
        .testTarget(name: "SluiceJetStreamTests", dependencies: ["SluiceJetStream", "SluiceCore", "CNATS", "SluiceTestSupport"]),
    ]
)
