import Glibc

/// The process's own resource use as Prometheus' standard `process_*` metrics report it, read
/// from procfs, `getrlimit` and `getrusage`.
///
/// ```
/// let stats = ProcessStats.current()
/// stats.residentMemoryBytes   // process_resident_memory_bytes
/// ```
/// Reading never throws: a source that cannot be read (no procfs) leaves its fields at 0.
/// The per-sample reads allocate nothing except what `opendir` takes for `/proc/self/fd`.
package struct ProcessStats: Sendable, Equatable {
    /// Resident set size (`/proc/self/stat` rss × page size).
    package var residentMemoryBytes: UInt64
    /// Virtual memory size (`/proc/self/stat` vsize).
    package var virtualMemoryBytes: UInt64
    /// Threads in the process (`/proc/self/stat` num_threads).
    package var threads: Int
    /// Open file descriptors: the entries of `/proc/self/fd`, less the one used to list them.
    package var openFDs: Int
    /// The soft `RLIMIT_NOFILE`; `UInt64.max` when unlimited (RLIM_INFINITY).
    package var maxFDs: UInt64
    /// User plus system CPU time (`getrusage`, microsecond resolution).
    package var cpuSeconds: Double
    /// When the process started, in seconds since the Unix epoch (boot time + starttime);
    /// good to about a second, as the kernel gives boot time in whole seconds.
    package var startTimeSeconds: Double

    package init(residentMemoryBytes: UInt64, virtualMemoryBytes: UInt64, threads: Int, openFDs: Int, maxFDs: UInt64, cpuSeconds: Double, startTimeSeconds: Double) {
        self.residentMemoryBytes = residentMemoryBytes
        self.virtualMemoryBytes = virtualMemoryBytes
        self.threads = threads
        self.openFDs = openFDs
        self.maxFDs = maxFDs
        self.cpuSeconds = cpuSeconds
        self.startTimeSeconds = startTimeSeconds
    }

    /// Reads every field now.
    package static func current() -> ProcessStats {
        let stat = ProcSelfStat.read()
        return ProcessStats(
            residentMemoryBytes: (stat?.residentPages ?? 0) &* Self.pageSize,
            virtualMemoryBytes: stat?.virtualBytes ?? 0,
            threads: Int(stat?.threads ?? 0),
            openFDs: countOpenFDs(),
            maxFDs: softFDLimit(),
            cpuSeconds: cpuSeconds(),
            startTimeSeconds: stat.map { Self.bootTimeSeconds + Double($0.startTicks) / Self.clockTicksPerSecond } ?? 0)
    }

    /// Just the resident set size, for callers that need nothing else.
    package static func currentResidentMemoryBytes() -> UInt64 {
        (ProcSelfStat.read()?.residentPages ?? 0) &* pageSize
    }

    static let pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 1))
    static let clockTicksPerSecond = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    /// `btime` of /proc/stat: fixed for the life of the system, so read once.
    static let bootTimeSeconds: Double = ProcFile.contents(of: "/proc/stat")
        .flatMap { ProcText.value(afterKey: "btime", in: $0) }
        .map { Double($0) } ?? 0

    static func countOpenFDs() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        let own = Int(dirfd(directory))
        var count = 0
        while let entry = readdir(directory) {
            let number: Int? = withUnsafeBytes(of: &entry.pointee.d_name) { name in
                // Safe: the kernel NUL-terminates d_name within its fixed-size array.
                let length = name.firstIndex(of: 0) ?? name.count
                return ProcText.parseUnsigned(name[0..<length]).map { Int($0) }
            }
            // "." and ".." do not parse as numbers; the listing's own descriptor is not the process's.
            if let number, number != own { count += 1 }
        }
        return count
    }

    static func softFDLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return limit.rlim_cur == rlim_t.max ? .max : UInt64(limit.rlim_cur)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// The fields of `/proc/self/stat` the process metrics need (proc(5) numbering).
struct ProcSelfStat: Equatable {
    var threads: UInt64       // field 20
    var startTicks: UInt64    // field 22, clock ticks after boot
    var virtualBytes: UInt64  // field 23
    var residentPages: UInt64 // field 24

    static func read() -> ProcSelfStat? {
        ProcFile.withContents(of: "/proc/self/stat", capacity: 2048) { bytes in
            bytes.flatMap { parse($0) }
        }
    }

    /// Parses a stat line. The command name (field 2) is in parentheses and may itself hold
    /// spaces and ')', so fields are counted from the last ')'. Scans in place, no allocation.
    static func parse<Bytes: BidirectionalCollection<UInt8>>(_ line: Bytes) -> ProcSelfStat? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var stat = ProcSelfStat(threads: 0, startTicks: 0, virtualBytes: 0, residentPages: 0)
        var field = 3
        var index = line.index(after: close)
        while field <= 24 {
            while index != line.endIndex, line[index] == UInt8(ascii: " ") { index = line.index(after: index) }
            guard index != line.endIndex else { return nil }
            var end = index
            while end != line.endIndex, line[end] != UInt8(ascii: " "), line[end] != UInt8(ascii: "\n") { end = line.index(after: end) }
            switch field {
            case 20: stat.threads = ProcText.parseUnsigned(line[index..<end]) ?? 0
            case 22: stat.startTicks = ProcText.parseUnsigned(line[index..<end]) ?? 0
            case 23: stat.virtualBytes = ProcText.parseUnsigned(line[index..<end]) ?? 0
            case 24: stat.residentPages = ProcText.parseUnsigned(line[index..<end]) ?? 0
            default: break
            }
            field += 1
            index = end
        }
        return stat
    }
}
