#!/usr/bin/env python3
"""kill -9 under load, counted: what a 200 promised against what the data directory holds.

Each run starts the release sluice on a fresh data directory, posts 100-item batches with ids
unique to the run from several keep-alive clients, sends SIGKILL after --seconds, starts sluice
once more on the same directory (its start-up repair finishes the crashed segment) and stops it
with SIGTERM, then reads every segment and counts the acknowledged ids that are missing.

    LoadTest/batch-e2e/kill9.py                      # 10 runs, --ack durable
    LoadTest/batch-e2e/kill9.py --ack buffered --runs 3
"""
import argparse, http.client, json, os, pathlib, shutil, signal, socket, subprocess, sys, tempfile, threading, time

root = pathlib.Path(__file__).resolve().parents[2]
parser = argparse.ArgumentParser()
parser.add_argument("--sluice", default=str(root / ".build/release/sluice"))
parser.add_argument("--ack", default="durable", choices=["durable", "buffered"])
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--clients", type=int, default=8)
parser.add_argument("--items", type=int, default=100)
parser.add_argument("--seconds", type=float, default=3.0)
parser.add_argument("--extra", default="", help="more sluice options, space separated")
args = parser.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data, port, extra):
    process = subprocess.Popen([args.sluice, "--port", str(port), "--data-dir", data, "--log-level", "error", *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.02)
    process.kill()
    sys.exit(f"sluice did not listen on {port}")


def client(port, run, number, stop, acknowledged):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    batch = 0
    while not stop.is_set():
        prefix = f"r{run}-c{number}-b{batch}"
        body = json.dumps([{"id": f"{prefix}-i{i}", "data": {"value": 42}} for i in range(args.items)])
        batch += 1
        try:
            connection.request("POST", "/batch", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # killed
        if response.status == 200:
            acknowledged.append(prefix)


def written_ids(data):
    ids = set()
    for path in sorted(pathlib.Path(data).glob("segment-*")):
        for line in path.read_bytes().splitlines():
            ids.add(json.loads(line)["id"])
    return ids


results = []
for run in range(1, args.runs + 1):
    data = tempfile.mkdtemp(prefix="sluice-kill9-")
    port = free_port()
    server = start(data, port, ["--ack", args.ack, *args.extra.split()])
    stop, acknowledged = threading.Event(), []
    threads = [threading.Thread(target=client, args=(port, run, n, stop, acknowledged)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)  # the load's length; the kill itself is what is measured
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    repair = start(data, free_port(), [])
    repair.send_signal(signal.SIGTERM)
    repair.wait(timeout=30)
    ids = written_ids(data)
    answered = len(acknowledged) * args.items
    missing = sum(1 for prefix in acknowledged for i in range(args.items) if f"{prefix}-i{i}" not in ids)
    results.append((answered, missing))
    print(f"run {run}: {answered:,} items answered 200, {missing:,} missing ({100 * missing / max(answered, 1):.2f}%), "
          f"{len(ids):,} in the data dir", flush=True)
    shutil.rmtree(data)

lost_runs = sum(1 for _, missing in results if missing)
print(f"--ack {args.ack}: {args.runs} runs, {sum(a for a, _ in results):,} items acknowledged, "
      f"{sum(m for _, m in results):,} missing; runs with a loss: {lost_runs}")
sys.exit(1 if lost_runs and args.ack == "durable" else 0)
