# Polls /metrics on 127.0.0.1:PORT every 50 ms for SECONDS and prints each memory-guard
# shedding episode: when it started, the first poll during it that found the batch buffer
# empty, when it ended, and end minus drained (how long recovery took once the buffer was out
# of the way). Used by memory-guard.sh with EPISODES=1.
#
#   python3 guard-episodes.py PORT SECONDS
import sys, time, urllib.request
port, duration = int(sys.argv[1]), float(sys.argv[2])
def scrape():
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    v = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            k, _, val = line.rpartition(' ')
            v[k] = float(val)
    return v
t0 = time.monotonic(); rows = []
while time.monotonic() - t0 < duration:
    v = scrape(); rows.append((time.monotonic() - t0, v['sluice_memory_shedding'], v['sluice_batch_buffer_items'], v['process_resident_memory_bytes']))
    time.sleep(0.05)
episodes = []; cur = None
for t, shed, buf, rss in rows:
    if shed and cur is None: cur = {'start': t, 'drained': None, 'peak': rss}
    if cur is not None:
        cur['peak'] = max(cur['peak'], rss)
        if shed and buf == 0 and cur['drained'] is None: cur['drained'] = t
        if not shed: cur['end'] = t; episodes.append(cur); cur = None
if cur: cur['end'] = None; episodes.append(cur)
print(f"polls {len(rows)}, max RSS {max(r[3] for r in rows)/1048576:.1f} MiB")
for e in episodes:
    d = e['drained']; end = e['end']
    print(f"episode start {e['start']:.2f}s drained {d if d is None else round(d,2)} end {end if end is None else round(end,2)}"
          f" end-drained {None if d is None or end is None else round(end-d,2)} s, peak RSS {e['peak']/1048576:.1f} MiB")
