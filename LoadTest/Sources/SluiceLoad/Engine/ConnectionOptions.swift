import CCurl

extension LoadPlan {
    /// The options every easy handle of a run shares, whichever engine drives it: the target,
    /// `TCP_NODELAY`, no signals (the handles live on worker threads), no proxy (an explicit
    /// empty proxy: straight to the target, and curl skips its per-request proxy environment
    /// lookups), and its slot number
    /// in CURLOPT_PRIVATE.
    func configureConnection(of easy: UnsafeMutableRawPointer, slot: Int) {
        sluice_easy_setopt_pointer(easy, CURLOPT_URL, target.url)
        sluice_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        sluice_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        sluice_easy_setopt_pointer(easy, CURLOPT_PROXY, "")
        sluice_easy_set_private_index(easy, slot)
    }
}
