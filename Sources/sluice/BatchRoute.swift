import Glibc
import SluiceAccess
import SluiceCore
import SluiceHTTP
import SluiceMetrics
import SluiceSupport

/// `POST /batch`: authentication (with `--auth-file`), content negotiation and early refusal
/// before the body is read, then gzip decoding, the batch processor, and the JSON answer: at
/// once (`--ack buffered`), or deferred until the flush holding the items is stored
/// (`--ack durable`).
struct BatchRoute: Sendable {
    let processor: any BatchProcessor
    let buffer: BatchBuffer
    /// Set with `--ack durable`.
    let durability: DurabilityWaiters?
    let scratchPool: ScratchPool
    let maxBodyBytes: Int
    let clock: @Sendable () -> Int64
    let observability: Observability
    /// nil: no access control (every request is served, records carry no tenant).
    let access: AccessControl?

    var route: Route {
        Route("/batch", methods: [.post], allow: "POST",
              screen: { request, response in screen(&request, &response) },
              respond: { request, response in respond(request, &response) })
    }

    private enum Encoding { case identity, gzip }

    private static func format(of request: HTTPRequest) -> BatchFormat? {
        guard let type = request.headerToken("content-type") else { return .json }
        if HTTPRequest.token(type, is: "application/json") { return .json }
        if HTTPRequest.token(type, is: "application/x-ndjson") || HTTPRequest.token(type, is: "application/ndjson") {
            return .ndjson
        }
        return nil
    }

    private static func encoding(of request: HTTPRequest) -> Encoding? {
        guard let coding = request.headerToken("content-encoding") else { return .identity }
        if HTTPRequest.token(coding, is: "gzip") || HTTPRequest.token(coding, is: "x-gzip") { return .gzip }
        if HTTPRequest.token(coding, is: "identity") { return .identity }
        return nil
    }

    /// Refuses before the body is read: 401 without a known bearer token (the tenant found is
    /// kept in `routeTag` for `respond`), 415 for other media types or codings, 503 when the
    /// buffer is already full (so an `Expect: 100-continue` client never sends the body).
    func screen(_ request: inout HTTPRequest, _ response: inout HTTPResponse) -> ScreenDecision {
        if let access {
            switch access.authenticate(authorization: request.header("authorization")) {
            case .missing:
                refuseUnauthorized("missing bearer token (Authorization: Bearer <token>)", &response)
                return .answered
            case .invalid:
                refuseUnauthorized("invalid bearer token", &response)
                return .answered
            case .tenant(let tag):
                request.routeTag = tag
            }
        }
        if Self.format(of: request) == nil {
            response.setError(.unsupportedMediaType, "Content-Type must be application/json or application/x-ndjson")
            return .answered
        }
        if Self.encoding(of: request) == nil {
            response.setError(.unsupportedMediaType, "Content-Encoding must be gzip or identity")
            return .answered
        }
        if observability.memoryGuard.isShedding {
            // Memory over the guard's threshold: refuse before the body is read.
            observability.http.recordLoadShed(.memoryLimit)
            response.setError(.serviceUnavailable, "memory limit reached; retry later")
            response.retryAfterSeconds = 1
            return .answered
        }
        if buffer.itemCount >= buffer.configuration.maxItems {
            refuseFull(retryAfterSeconds: buffer.retryAfterSeconds, &response)
            return .answered
        }
        return .readBody
    }

    func respond(_ request: HTTPRequest, _ response: inout HTTPResponse) {
        guard let access else { return respond(request, sender: nil, &response) }
        // The tenant `screen` found; looked up again only if a reload came in between.
        guard let tenant = access.tenant(forTag: request.routeTag, authorization: request.header("authorization")) else {
            refuseUnauthorized("invalid bearer token", &response)
            return
        }
        respond(request, sender: TenantSender(tenant: tenant), &response)
    }

    private func respond(_ request: HTTPRequest, sender: TenantSender?, _ response: inout HTTPResponse) {
        guard let format = Self.format(of: request), let encoding = Self.encoding(of: request) else {
            response.setError(.unsupportedMediaType, "unsupported Content-Type or Content-Encoding")
            return
        }
        let scratch = scratchPool.take()
        defer { scratchPool.give(scratch) }
        let outcome: BatchOutcome
        switch encoding {
        case .identity:
            outcome = processor.process(request.body, format: format, receivedAtNanoseconds: clock(), sender: sender, scratch: scratch)
        case .gzip:
            switch scratch.inflater.inflate(request.body, limit: maxBodyBytes) {
            case .failure(.tooLarge(let limit)):
                response.setError(.contentTooLarge, "decoded request body exceeds \(limit) bytes")
                return
            case .failure(let failure):
                response.setError(.badRequest, failure.message)
                return
            case .success:
                outcome = scratch.inflater.output.withUnsafeBytes { decoded in
                    processor.process(decoded, format: format, receivedAtNanoseconds: clock(), sender: sender, scratch: scratch)
                }
            }
        }
        switch outcome {
        case .processed(let accepted, let rejected, let sequence):
            observability.recordBatch(accepted: accepted, rejected: scratch.rejected)
            sender?.tenant.recordAccepted(items: accepted)
            if let durability, sequence > 0 {
                answerWhenStored(sequence, accepted: accepted, rejected: rejected, errors: scratch.rejected,
                                 durability: durability, &response)
                return
            }
            BatchResponseWriter.write(accepted: accepted, rejected: rejected, errors: scratch.rejected, to: response.body)
        case .invalidBody(let error):
            response.setError(.badRequest, error.message)
        case .bufferFull(let seconds):
            refuseFull(retryAfterSeconds: seconds, &response)
        case .batchTooLarge(let items, let bytes):
            response.setError(.contentTooLarge, "batch of \(items) items (\(bytes) bytes) exceeds the buffer's capacity")
        case .throttled(let seconds):
            sender?.tenant.recordThrottled()
            response.setError(.tooManyRequests, "over the tenant's items/s quota; retry later")
            response.retryAfterSeconds = seconds
        case .exceedsQuota(let items, let burst):
            response.setError(.contentTooLarge, "batch of \(items) items exceeds the tenant's burst of \(burst) items")
        }
    }

    /// Durable mode: the answer waits for the flush that stores the batch (the connection
    /// reads nothing more meanwhile); 503 + Retry-After if that takes longer than the timeout.
    private func answerWhenStored(_ sequence: UInt64, accepted: Int, rejected: Int, errors: [RejectedItem],
                                  durability: DurabilityWaiters, _ response: inout HTTPResponse) {
        let later = response.answerLater()
        let buffer = self.buffer
        durability.wait(for: sequence) { outcome in
            later.complete { response in
                switch outcome {
                case .stored:
                    BatchResponseWriter.write(accepted: accepted, rejected: rejected, errors: errors, to: response.body)
                case .timedOut:
                    response.setError(.serviceUnavailable, "the items were not stored within the acknowledgement timeout; retry later")
                    response.retryAfterSeconds = buffer.retryAfterSeconds
                }
            }
        }
    }

    /// RFC 9110 §15.5.2 / RFC 6750 §3: a 401 carries the challenge. The message says what was
    /// wrong, never what was sent.
    private func refuseUnauthorized(_ message: String, _ response: inout HTTPResponse) {
        response.setError(.unauthorized, message)
        response.wwwAuthenticate = #"Bearer realm="sluice""#
    }

    private func refuseFull(retryAfterSeconds: Int, _ response: inout HTTPResponse) {
        observability.http.recordLoadShed(.bufferFull)
        response.setError(.serviceUnavailable, "batch buffer is full; retry later")
        response.retryAfterSeconds = retryAfterSeconds
    }
}

/// An authenticated tenant as the batch processor sees it: its name for the sink records and
/// its token bucket, asked with the monotonic clock.
struct TenantSender: BatchSender {
    let tenant: Tenant

    var tenantName: UnsafeRawBufferPointer { tenant.nameBytes }

    func takeQuota(items: Int) -> QuotaVerdict {
        switch tenant.take(items: items, nowNanoseconds: Int64(SystemClock.monotonicNanoseconds())) {
        case .granted: .granted
        case .throttled(let nanoseconds): .throttled(retryAfterSeconds: QuotaDecision.retryAfterSeconds(nanoseconds: nanoseconds))
        case .exceedsBurst(let burst): .exceedsBurst(burstItems: burst)
        }
    }

    func returnQuota(items: Int) { tenant.giveBack(items: items) }
}

/// Writes `{"accepted":A,"rejected":R,"errors":[{"index":i,"id":"...","error":"..."}]}`.
enum BatchResponseWriter {
    static func write(accepted: Int, rejected: Int, errors: [RejectedItem], to body: ByteBuffer) {
        body.write("{\"accepted\":")
        body.write(decimal: accepted)
        body.write(",\"rejected\":")
        body.write(decimal: rejected)
        body.write(",\"errors\":[")
        for (position, error) in errors.enumerated() {
            if position > 0 { body.write(byte: UInt8(ascii: ",")) }
            body.write("{\"index\":")
            body.write(decimal: error.index)
            if let id = error.id {
                // The id is raw JSON string contents from the validated body: valid between quotes.
                body.write(",\"id\":\"")
                body.write(bytes: id)
                body.write("\"")
            } else {
                body.write(",\"id\":null")
            }
            body.write(",\"error\":\"")
            body.write(jsonEscaped: error.reason.message)
            body.write("\"}")
        }
        body.write("]}")
    }
}
