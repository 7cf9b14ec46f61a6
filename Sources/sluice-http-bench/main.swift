// sluice-http-bench: the HTTP server core alone, for comparing it with nginx under wrk.
//
// Serves `POST /bench`: reads the whole body (Content-Length or chunked) and answers a fixed
// small JSON, like the nginx configuration in LoadTest/http-core/. No batch pipeline, so the
// figures measure sockets, Dispatch, parsing and response writing only.
//
//     sluice-http-bench [port]      (default 8090; 0 picks a free port, printed on stdout)
import Dispatch
import Glibc
import Logging
import SluiceHTTP

let arguments = CommandLine.arguments
var configuration = HTTPServerConfiguration()
configuration.port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
if arguments.count > 2, let queues = Int(arguments[2]) { configuration.eventQueues = queues }
Socket.raiseOpenFileLimit()

let routes = [
    Route("/bench", methods: [.post], allow: "POST") { request, response in
        // Touch the body so it is really read, as a handler would.
        var sum: UInt8 = 0
        for byte in request.body { sum &+= byte }
        response.body.write("{\"accepted\":100,\"rejected\":0,\"errors\":[]}")
        if sum == 1 && request.body.count == 1 { response.body.write(" ") }
    },
]
var logger = Logger(label: "sluice-http-bench")
logger.logLevel = .warning
do {
    let server = try HTTPServer(configuration: configuration, handler: Router(routes: routes), logger: logger)
    server.start()
    print("listening on \(server.port)")
    fflush(nil)
    dispatchMain()
} catch {
    print("sluice-http-bench: \(error)")
    exit(1)
}
