import Glibc

enum System {
    /// Online processors (sysconf), at least 1.
    static var coreCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
