import Foundation
import Testing
@testable import SluiceMetrics

@Suite struct CgroupMemoryLimitTests {
    /// Lays out a fake cgroup mount and /proc/self/cgroup under a temporary directory.
    func detect(files: [String: String], membership: String) throws -> UInt64? {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for (path, contents) in files {
            let url = root.appendingPathComponent("fs").appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        let membershipURL = root.appendingPathComponent("self-cgroup")
        try membership.write(to: membershipURL, atomically: true, encoding: .utf8)
        return CgroupMemoryLimit.detect(mountRoot: root.appendingPathComponent("fs").path, membershipFile: membershipURL.path)
    }

    @Test func v2_NamespacedRoot() throws {
        #expect(try detect(files: ["memory.max": "536870912\n"], membership: "0::/\n") == 536_870_912)
    }

    @Test func v2_Max_IsNoLimit() throws {
        #expect(try detect(files: ["memory.max": "max\n"], membership: "0::/\n") == nil)
    }

    @Test func v2_SmallestAlongThePathWins() throws {
        let files = [
            "system.slice/memory.max": "1073741824\n",
            "system.slice/sluice.service/memory.max": "max\n",
        ]
        #expect(try detect(files: files, membership: "0::/system.slice/sluice.service\n") == 1_073_741_824)
    }

    @Test func v1_MemoryController() throws {
        let files = ["memory/docker/abc/memory.limit_in_bytes": "268435456\n"]
        let membership = "12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n"
        #expect(try detect(files: files, membership: membership) == 268_435_456)
    }

    @Test func v1_Unlimited_IsNoLimit() throws {
        let files = ["memory/memory.limit_in_bytes": "9223372036854771712\n"]
        #expect(try detect(files: files, membership: "11:memory:/\n") == nil)
    }

    @Test func nothingMounted_IsNoLimit() throws {
        #expect(try detect(files: [:], membership: "") == nil)
    }

    @Test func thisMachine_DoesNotCrash() {
        _ = CgroupMemoryLimit.detect()
    }
}
