extension HeadParser {
    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3). Its syntax was
    /// checked byte by byte as it arrived (`RequestLineScanner`), which also found the two
    /// spaces; what is left needs the whole line: the method's name, the version number and
    /// the target's form.
    mutating func parseRequestLine(_ line: UnsafeRawBufferPointer, at offset: Int) -> HTTPParseError? {
        let methodEnd = requestLine.methodEnd - offset
        let targetStart = methodEnd + 1
        let targetEnd = requestLine.targetEnd - offset
        precondition(0 < methodEnd && methodEnd < targetEnd && targetEnd < line.count,
                     "request line accepted by RequestLineScanner without its two spaces")
        head.method = HTTPMethod.classify(UnsafeRawBufferPointer(rebasing: line[0..<methodEnd]))
        let version = UnsafeRawBufferPointer(rebasing: line[(targetEnd + 1)...])
        switch parseVersion(version) {
        case .success(let parsed): head.version = parsed
        case .failure(let error): return error
        }
        head.targetStart = offset + targetStart
        head.targetEnd = offset + targetEnd
        return locatePath(UnsafeRawBufferPointer(rebasing: line[targetStart..<targetEnd]), base: offset + targetStart)
    }

    /// The version number of an HTTP-version whose syntax, "HTTP/" DIGIT "." DIGIT, the scanner
    /// checked: 1.x is served (a higher minor as 1.1, RFC 9110 §2.5), any other major is 505.
    private func parseVersion(_ bytes: UnsafeRawBufferPointer) -> Result<HTTPVersion, HTTPParseError> {
        precondition(bytes.count == 8, "HTTP-version accepted by RequestLineScanner is not 8 bytes")
        guard bytes[5] == UInt8(ascii: "1") else { return .failure(.unsupportedVersion) }
        return .success(bytes[7] == UInt8(ascii: "0") ? .http10 : .http11)
    }

    /// Finds the path in an origin-form, absolute-form or asterisk-form target (RFC 9112 §3.2).
    private mutating func locatePath(_ target: UnsafeRawBufferPointer, base: Int) -> HTTPParseError? {
        if target[0] == UInt8(ascii: "/") {
            head.pathStart = base
            head.pathEnd = base + pathLength(target, from: 0)
            return nil
        }
        if target.count == 1, target[0] == UInt8(ascii: "*") {
            guard head.method == .options else { return .invalidTarget }
            head.pathStart = base
            head.pathEnd = base
            return nil
        }
        // absolute-form: http://authority[/path][?query]
        let schemeLength: Int
        if target.count >= 7, ByteClass.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: target[0..<7]), "http://") {
            schemeLength = 7
        } else if target.count >= 8, ByteClass.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: target[0..<8]), "https://") {
            schemeLength = 8
        } else {
            return .invalidTarget
        }
        var index = schemeLength
        while index < target.count, target[index] != UInt8(ascii: "/"), target[index] != UInt8(ascii: "?"),
              target[index] != UInt8(ascii: "#") {
            index += 1
        }
        guard index > schemeLength else { return .invalidTarget }
        head.pathStart = base + index
        head.pathEnd = base + index + pathLength(target, from: index)
        return nil
    }

    private func pathLength(_ target: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < target.count, target[index] != UInt8(ascii: "?"), target[index] != UInt8(ascii: "#") { index += 1 }
        return index - start
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    mutating func parseFieldLine(_ line: UnsafeRawBufferPointer, at offset: Int, bytes: UnsafeRawBufferPointer) -> HTTPParseError? {
        let colon: Int, valueStart: Int, valueEnd: Int
        switch FieldLine(line) {
        case .invalid(let error): return error
        case .valid(let nameEnd, let start, let end): (colon, valueStart, valueEnd) = (nameEnd, start, end)
        }
        fields.append(HeaderField(
            nameStart: Int32(offset), nameEnd: Int32(offset + colon),
            valueStart: Int32(offset + valueStart), valueEnd: Int32(offset + valueEnd)))
        return track(name: UnsafeRawBufferPointer(rebasing: line[0..<colon]),
                     value: UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]))
    }

    /// Records the fields that decide framing and connection handling.
    private mutating func track(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HTTPParseError? {
        switch name.count {
        case 4 where ByteClass.equalsIgnoringCase(name, "host"):
            tracker.hostCount += 1
            return Self.isValidHost(value) ? nil : .invalidHost
        case 14 where ByteClass.equalsIgnoringCase(name, "content-length"):
            return trackContentLength(value)
        case 17 where ByteClass.equalsIgnoringCase(name, "transfer-encoding"):
            return trackTransferEncoding(value)
        case 10 where ByteClass.equalsIgnoringCase(name, "connection"):
            ByteClass.forEachListElement(value) { option in
                if ByteClass.equalsIgnoringCase(option, "close") { tracker.connectionClose = true }
                if ByteClass.equalsIgnoringCase(option, "keep-alive") { tracker.connectionKeepAlive = true }
                return true
            }
        case 6 where ByteClass.equalsIgnoringCase(name, "expect"):
            if ByteClass.equalsIgnoringCase(value, "100-continue") {
                tracker.expectContinue = true
            } else {
                tracker.expectOther = true
            }
        default:
            break
        }
        return nil
    }

    /// Content-Length = 1*DIGIT; a list of identical values is accepted as one (RFC 9110 §8.6).
    private mutating func trackContentLength(_ value: UnsafeRawBufferPointer) -> HTTPParseError? {
        var error: HTTPParseError?
        var sawElement = false
        ByteClass.forEachListElement(value) { element in
            sawElement = true
            var length = 0
            for byte in element {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                    error = .invalidContentLength
                    return false
                }
                // Saturate: any value this large is over every body limit (413, not a wrap-around).
                length = length > (Int.max - 9) / 10 ? Int.max : length * 10 + Int(byte - UInt8(ascii: "0"))
            }
            if let previous = tracker.contentLength, previous != length {
                error = .conflictingContentLength
                return false
            }
            tracker.contentLength = length
            return true
        }
        if error == nil, !sawElement { error = .invalidContentLength }
        return error
    }

    /// Transfer-Encoding: only `chunked`, once, as the final coding (RFC 9112 §6.1).
    private mutating func trackTransferEncoding(_ value: UnsafeRawBufferPointer) -> HTTPParseError? {
        tracker.hasTransferEncoding = true
        var sawElement = false
        ByteClass.forEachListElement(value) { coding in
            sawElement = true
            if ByteClass.equalsIgnoringCase(coding, "chunked") {
                tracker.chunkedCount += 1
                tracker.lastCodingIsChunked = true
            } else {
                tracker.hasOtherCoding = true
                tracker.lastCodingIsChunked = false
            }
            return true
        }
        return sawElement ? nil : .unsupportedTransferEncoding
    }

    /// Host = uri-host [ ":" port ]; an empty value is allowed (RFC 9110 §7.2).
    private static func isValidHost(_ value: UnsafeRawBufferPointer) -> Bool {
        for byte in value where !ByteClass.isHost(byte) { return false }
        return true
    }

    /// Resolves framing and connection handling once the empty line ending the head arrived.
    mutating func finishHead() -> HTTPParseError? {
        if head.version == .http11 {
            if tracker.hostCount == 0 { return .missingHost }
        }
        if tracker.hostCount > 1 { return .duplicateHost }
        if tracker.hasTransferEncoding {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
            if head.version == .http10 { return .transferEncodingInHTTP10 }
            // RFC 9112 §6.3 #3: both present is a smuggling attempt; we reject rather than guess.
            if tracker.contentLength != nil { return .contentLengthWithTransferEncoding }
            if !tracker.lastCodingIsChunked || tracker.chunkedCount > 1 {
                return tracker.hasOtherCoding && tracker.chunkedCount == 0 ? .unsupportedTransferEncoding : .chunkedNotFinal
            }
            if tracker.hasOtherCoding { return .unsupportedTransferEncoding }
            head.framing = .chunked
        } else if let length = tracker.contentLength {
            head.framing = length > 0 ? .length(length) : .none
        }
        if tracker.expectOther { return .unsupportedExpectation }
        head.expectsContinue = tracker.expectContinue && head.version == .http11
        head.wantsClose = tracker.connectionClose || (head.version == .http10 && !tracker.connectionKeepAlive)
        return nil
    }
}
