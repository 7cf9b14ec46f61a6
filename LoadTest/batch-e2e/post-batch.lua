-- wrk script: POST the file named by BODY_FILE to /batch as application/json.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.path = "/batch"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
