/// Human descriptions of a run's setup, shared by the text report and the chart title.
extension LoadPlan {
    /// "closed, 50 connections, 1 thread, 10 s" or "open 200 req/s, 4 connections, ...".
    public var setupDescription: String {
        var parts: [String] = []
        switch model {
        case .closed: parts.append("closed")
        case .open(let rate): parts.append("open \(NumberFormat.fixed(rate, rate < 10 ? 2 : 0)) req/s")
        }
        parts.append("\(connections) connection\(connections == 1 ? "" : "s")")
        parts.append("\(threads) thread\(threads == 1 ? "" : "s")")
        parts.append("\(engine.rawValue) engine")
        let seconds = "\(NumberFormat.fixed(duration.seconds, duration.seconds < 10 ? 1 : 0)) s"
        if let requestLimit {
            parts.append("\(NumberFormat.grouped(requestLimit)) requests (at most \(seconds))")
        } else {
            parts.append(seconds)
        }
        return parts.joined(separator: ", ")
    }
}

extension RequestBody {
    /// "100 items, object, 6,213 bytes (gzip 512 bytes)" or "custom body, 1,024 bytes".
    public var summary: String {
        var text = ""
        if let itemsPerRequest, let shape {
            text = "\(NumberFormat.grouped(itemsPerRequest)) item\(itemsPerRequest == 1 ? "" : "s"), \(shape.rawValue), "
        } else {
            text = "custom body (\(contentType)), "
        }
        text += "\(NumberFormat.grouped(uncompressedByteCount)) bytes"
        if let contentEncoding { text += " (\(contentEncoding) \(NumberFormat.grouped(bytes.count)) bytes)" }
        return text
    }
}
