import CTSanMutexAnnotations
import Glibc

/// How the test binaries, and the `sluice` built beside them, were compiled.
public enum BuildFlavor {
    /// True when built with `--sanitize=thread`: the ThreadSanitizer runtime is linked in and
    /// exports its entry points. The `sluice` launched by `SluiceProcess` comes from the same
    /// build folder, so it is sanitized too (and leaves out the malloc-counting interposer).
    public static let isThreadSanitized = dlsym(dlopen(nil, RTLD_NOW), "__tsan_init") != nil

    /// True when CTSanMutexAnnotations is compiled in, which it must be in every TSan build.
    public static let hasMutexAnnotations = sluice_tsan_mutex_annotations_built() != 0
}
