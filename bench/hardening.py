#!/usr/bin/env python3
"""Issue 13's figures against a real `sluice serve` (release build): the gates listing at 3,000 gates, server
memory while tailing a 200 MB log, the reject/approve race over 100 tries, a connection flood, and the WAL
after 100 `sluice run` calls on one store. Prints a table; run on a quiet machine."""
import json, os, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

SLUICE = sys.argv[1]
work = tempfile.mkdtemp(prefix="sluice-hardening-")
store = os.path.join(work, "store")
rows = []

def serve():
    p = subprocess.Popen([SLUICE, "serve", "--store", store, "--listen", "127.0.0.1:0", "--run-as", "self"],
                         stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "listening on" in line:
            url = line.split("listening on ")[1].split(" ")[0]
            threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
            return p, url
    raise SystemExit("serve did not start")

def call(url, path, body=None, method=None, timeout=60):
    token = open(os.path.join(store, "admin.token")).read().strip()
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def wait_node(url, run, node, state, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        s, b = call(url, f"/api/v1/runs/{run}")
        if s == 200:
            def find(ns):
                for n in ns:
                    if n["id"] == node: return n
                    c = find(n.get("children", []))
                    if c: return c
            n = find(json.loads(b).get("nodes", []))
            if n and n["state"] == state: return
        time.sleep(0.1)
    raise SystemExit(f"{run}/{node} never {state}")

def rss(pid, key="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"): return int(line.split()[1]) // 1024
    return 0

server, url = serve()
try:
    # 1. The gates listing at 3,000 waiting gates.
    flow = "name: many\nnodes:\n" + "".join(f"  - {{id: g{i}, gate: {{approve: null}}}}\n" for i in range(3000))
    call(url, "/api/v1/runs", {"flow": flow, "run_id": "many"})
    wait_node(url, "many", "g2999", "waiting")
    times = []
    for _ in range(7):
        t = time.perf_counter(); s, b = call(url, "/api/v1/runs/many/gates"); times.append(time.perf_counter() - t)
        assert s == 200 and len(json.loads(b)["gates"]) == 3000
    rows.append(("GET /runs/{id}/gates, 3,000 waiting gates (median of 7)", f"{statistics.median(times)*1000:.0f} ms"))
    call(url, "/api/v1/runs/many/abort", {})

    # 2. Server memory while tailing a 200 MB log four times.
    big = "name: big\ntasks:\n  t: {command: [sh, -c, \"yes 'a log line of some length for the tail test' | head -c 209715200; echo; echo last-line\"]}\nnodes:\n  - {id: t, task: t}\n"
    call(url, "/api/v1/runs", {"flow": big, "run_id": "big"})
    wait_node(url, "big", "t", "succeeded")
    before = rss(server.pid)
    for _ in range(4):
        s, b = call(url, "/api/v1/runs/big/nodes/t/logs?tail=1")
        assert s == 200 and b.strip() == b"last-line", b[:100]
    rows.append(("server RSS before / after 4 x logs?tail=1 on a 200 MB log", f"{before} MB / {rss(server.pid)} MB (peak {rss(server.pid, 'VmHWM')} MB)"))

    # 3. Reject and approve sent together, 100 tries.
    gates = "name: g\nnodes:\n  - {id: review, gate: {approve: null}}\n"
    outcomes = {"one accepted": 0, "other": 0}
    for i in range(100):
        run = f"race{i}"
        call(url, "/api/v1/runs", {"flow": gates, "run_id": run})
        wait_node(url, run, "review", "waiting")
        got = []
        ts = [threading.Thread(target=lambda p=p, c=c: got.append(call(url, f"/api/v1/runs/{run}/nodes/review/{p}", c)[0]))
              for p, c in (("reject", {"comment": "no"}), ("approve", {"comment": "yes"}))]
        [t.start() for t in ts]; [t.join() for t in ts]
        outcomes["one accepted" if sorted(got) == [202, 409] else "other"] += 1
    rows.append(("reject + approve sent together, 100 tries", f"{outcomes['one accepted']} with one 202 and one 409, {outcomes['other']} otherwise"))

    # 4. A flood of 3,000 idle connections, then a submit whose task must start.
    flood = []
    for _ in range(3000):
        try:
            s = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5); flood.append(s)
        except OSError:
            break
    t = time.perf_counter()
    hello = "name: h\ntasks:\n  t: {command: [sh, -c, \"echo '{}' > $SLUICE_OUTPUTS\"]}\nnodes:\n  - {id: t, task: t}\n"
    s, _ = call(url, "/api/v1/runs", {"flow": hello, "run_id": "after-flood"}, timeout=120)
    wait_node(url, "after-flood", "t", "succeeded")
    rows.append((f"{len(flood)} idle connections open, then a submit", f"{s}, task succeeded after {time.perf_counter()-t:.1f} s (idle connections closed after 30 s)"))
    for f in flood: f.close()
finally:
    server.terminate(); server.wait()

# 5. The WAL after 100 `sluice run` calls on one store.
runs = os.path.join(work, "runs")
os.makedirs(runs)
hello = os.path.join(runs, "h.yaml")
open(hello, "w").write("name: h\ntasks:\n  t: {command: [sh, -c, \"echo '{}' > $SLUICE_OUTPUTS\"]}\nnodes:\n  - {id: t, task: t}\n")
for _ in range(100):
    subprocess.run([SLUICE, "run", hello, "--store", os.path.join(runs, ".sluice")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
wal = os.path.join(runs, ".sluice", "sluice.db-wal")
db = os.path.join(runs, ".sluice", "sluice.db")
rows.append(("WAL after 100 `sluice run` calls on one store", f"{os.path.getsize(wal) if os.path.exists(wal) else 0} bytes (database {os.path.getsize(db)//1024} KiB)"))

print("| figure | measured |\n|---|---|")
for k, v in rows: print(f"| {k} | {v} |")
subprocess.run(["rm", "-rf", work])
