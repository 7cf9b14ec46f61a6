/// The memory limit of the cgroup this process runs in (a container's or a systemd unit's
/// `MemoryMax=`), so the memory guard can derive its limit when none is configured.
///
/// Looks at cgroup v2 `memory.max` and cgroup v1 `memory.limit_in_bytes`, both at the mount
/// root (what a container with its own cgroup namespace sees) and along this process's path
/// from `/proc/self/cgroup` up to the root; the smallest limit found wins, as the kernel
/// enforces every ancestor's. "max" and v1's near-2^63 "unlimited" values mean no limit.
/// ```
/// CgroupMemoryLimit.detect()   // 536870912 under `docker run -m 512m`, nil on a bare host
/// ```
package enum CgroupMemoryLimit {
    /// v1 reports "no limit" as PAGE_COUNTER_MAX rounded to pages (9223372036854771712).
    static let unlimitedFloor: UInt64 = 1 << 62

    /// The smallest limit found, or nil when there is none (or no cgroup filesystem).
    package static func detect(mountRoot: String = "/sys/fs/cgroup", membershipFile: String = "/proc/self/cgroup") -> UInt64? {
        var candidates = ["\(mountRoot)/memory.max", "\(mountRoot)/memory/memory.limit_in_bytes"]
        let membership = ProcFile.contents(of: membershipFile).map { String(decoding: $0, as: UTF8.self) } ?? ""
        for line in membership.split(separator: "\n") {
            // "hierarchy-ID:controllers:path"; v2 has an empty controller list.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            if fields[1].isEmpty {
                candidates += ancestors(of: fields[2]).map { "\(mountRoot)\($0)/memory.max" }
            } else if controllers.contains("memory") {
                candidates += ancestors(of: fields[2]).map { "\(mountRoot)/memory\($0)/memory.limit_in_bytes" }
            }
        }
        return candidates.compactMap(readLimit).min()
    }

    /// "/a/b" → ["/a/b", "/a"]; the root itself is covered separately.
    static func ancestors(of path: Substring) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while !parts.isEmpty {
            result.append("/" + parts.joined(separator: "/"))
            parts.removeLast()
        }
        return result
    }

    /// A file's limit in bytes, or nil for "max", unlimited, unreadable or malformed.
    static func readLimit(path: String) -> UInt64? {
        guard let bytes = ProcFile.contents(of: path) else { return nil }
        let trimmed = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: " ") }
        guard let value = ProcText.parseUnsigned(trimmed), value > 0, value < unlimitedFloor else { return nil }
        return value
    }
}
