-- wrk script: POST the file named by BODY_FILE to /bench on every request.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.path = "/bench"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
