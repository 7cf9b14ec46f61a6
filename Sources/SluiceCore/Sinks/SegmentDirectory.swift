import Glibc

/// The file sink's data directory: created if missing, held open as a directory fd for the
/// `*at` calls and for fsyncing renames, and repaired at start.
///
/// Repair finishes what a crash interrupted, so nothing written before it is lost or hidden:
/// a leftover `.open` segment is cut back to its last whole record (a complete line holding one
/// valid JSON object) and renamed to its final name (removed if that leaves it empty); a `.rollback-N` segment is cut back to N bytes and
/// renamed likewise.
struct SegmentDirectory: ~Copyable {
    let path: String
    let fd: Int32

    /// Opens `path`, creating it and its parents (mode 0755) when missing.
    init(path: String) throws(SinkError) {
        precondition(!path.isEmpty, "FileSink needs a data directory path")
        try Self.createDirectories(path)
        var fd: Int32
        repeat {
            fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw .fileSystem(call: "open", path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    func pathOf(_ fileName: String) -> String { path + "/" + fileName }

    /// Segment files in the directory (other files are ignored), sorted by name.
    func segments() throws(SinkError) -> [(fileName: String, name: SegmentName, kind: SegmentName.Kind)] {
        let duplicate = dup(fd)
        guard duplicate >= 0 else { throw .fileSystem(call: "dup", path: path, errno: errno) }
        // fdopendir takes ownership of `duplicate`; closedir closes it.
        guard let stream = fdopendir(duplicate) else {
            let code = errno
            Glibc.close(duplicate)
            throw .fileSystem(call: "fdopendir", path: path, errno: code)
        }
        defer { closedir(stream) }
        var found: [(fileName: String, name: SegmentName, kind: SegmentName.Kind)] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .fileSystem(call: "readdir", path: path, errno: errno) }
                break
            }
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                // Safe: d_name is a NUL-terminated C string inside the dirent.
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if let parsed = SegmentName.parse(fileName) { found.append((fileName, parsed.name, parsed.kind)) }
        }
        found.sort { $0.fileName < $1.fileName }
        return found
    }

    /// Repairs leftovers of a previous run; returns how many segments it finished and the
    /// greatest name seen, from which new names continue.
    func recover() throws(SinkError) -> (finished: Int, last: SegmentName?) {
        var finished = 0
        var last: SegmentName?
        for segment in try segments() {
            last = max(last ?? segment.name, segment.name)
            let goodBytes: Int
            switch segment.kind {
            case .finished: continue
            case .open: goodBytes = try lengthOfWholeRecords(segment.fileName)
            case .rolledBack(let good): goodBytes = good
            }
            if goodBytes == 0 {
                try unlink(segment.fileName)
                continue
            }
            try truncate(segment.fileName, to: goodBytes)
            try rename(segment.fileName, to: segment.name.finished)
            finished += 1
        }
        try sync()
        return (finished, last)
    }

    /// Renames within the directory.
    func rename(_ from: String, to: String) throws(SinkError) {
        guard renameat(fd, from, fd, to) == 0 else {
            throw .fileSystem(call: "rename", path: "\(pathOf(from)) to \(to)", errno: errno)
        }
    }

    func unlink(_ fileName: String) throws(SinkError) {
        guard unlinkat(fd, fileName, 0) == 0 else { throw .fileSystem(call: "unlink", path: pathOf(fileName), errno: errno) }
    }

    /// fsyncs the directory so that creations and renames survive a crash.
    func sync() throws(SinkError) {
        if let code = FileSystemCalls.system.sync(fd) { throw .fileSystem(call: "fsync", path: path, errno: code) }
    }

    private func truncate(_ fileName: String, to length: Int) throws(SinkError) {
        let file = try openForRepair(fileName, flags: O_WRONLY)
        defer { Glibc.close(file) }
        if let code = FileSystemCalls.system.truncate(file, to: Int64(length)) {
            throw .fileSystem(call: "ftruncate", path: pathOf(fileName), errno: code)
        }
    }

    /// Length of the longest prefix of the file made of whole records: lines that end in a
    /// newline and are each one valid JSON object. A crash mid-write can leave a partial last
    /// line, and a machine crash can leave unwritten blocks (zeros) or stale bytes after the
    /// last fsync; readers of NDJSON must see none of it, so the first line that is not a
    /// whole record cuts the file there. Lines are validated in place through a read-only map.
    private func lengthOfWholeRecords(_ fileName: String) throws(SinkError) -> Int {
        let file = try openForRepair(fileName, flags: O_RDONLY)
        defer { Glibc.close(file) }
        var status = stat()
        guard fstat(file, &status) == 0 else { throw .fileSystem(call: "fstat", path: pathOf(fileName), errno: errno) }
        let size = Int(status.st_size)
        guard size > 0 else { return 0 }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, file, 0), mapped != MAP_FAILED else {
            throw .fileSystem(call: "mmap", path: pathOf(fileName), errno: errno)
        }
        defer { munmap(mapped, size) }
        return Self.wholeRecordsLength(UnsafeRawBufferPointer(start: mapped, count: size))
    }

    /// The scan behind `lengthOfWholeRecords`, on bytes in memory (tested on its own).
    static func wholeRecordsLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        // Records nest one level less deep than the request bodies they came from; the margin
        // only avoids cutting a record the request path accepted.
        let scanner = JSONScanner(maxDepth: JSONScanner.defaultMaxDepth * 2)
        var good = 0
        while good < bytes.count {
            guard let newline = bytes[good...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let line = UnsafeRawBufferPointer(rebasing: bytes[good..<newline])
            guard line.first == UInt8(ascii: "{"), case .success(let range) = scanner.validate(line),
                  range == 0..<line.count else { break }
            good = newline + 1
        }
        return good
    }

    private func openForRepair(_ fileName: String, flags: Int32) throws(SinkError) -> Int32 {
        var file: Int32
        repeat {
            file = openat(fd, fileName, flags | O_CLOEXEC)
        } while file < 0 && errno == EINTR
        guard file >= 0 else { throw .fileSystem(call: "open", path: pathOf(fileName), errno: errno) }
        return file
    }

    private static func createDirectories(_ path: String) throws(SinkError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if Glibc.mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .fileSystem(call: "mkdir", path: prefix, errno: errno)
            }
            prefix += "/"
        }
    }
}
