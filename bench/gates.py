#!/usr/bin/env python3
"""Issue 9's waiting-runs figures against a real `sluice serve` (release build, own store in a temp folder):
N runs (default 1,000) each waiting at an approval gate; once all wait, ~10 s of idle sampling of the server's
threads (/proc/PID/status Threads), RSS, CPU%, and its store I/O while idle (the server exposes no query
counter, so the proxy is `strace -c -f` over 5 s: pread64/pwrite64 are SQLite's page reads/writes, fcntl its
locks, taken by every transaction even when pages come from its cache, and the total syscall count shows any
per-run polling). Then every gate is approved through the API (admin token) and
the approval -> next task start latency is taken from a timestamp the next task writes. Beside it, the same
latency for a shell spawning the same command (`sh -c 'date ...'`) from this script. Prints a table."""
import json, os, statistics, subprocess, sys, tempfile, threading, time, urllib.request

SLUICE = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
work = tempfile.mkdtemp(prefix="sluice-gates-")
store = os.path.join(work, "store")
stamps = os.path.join(work, "stamps")
os.makedirs(stamps)
rows = []

def load(): return open("/proc/loadavg").read().split()[:3]

def serve():
    p = subprocess.Popen([SLUICE, "serve", "--store", store, "--listen", "127.0.0.1:0", "--run-as", "self"],
                         stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "listening on" in line:
            url = line.split("listening on ")[1].split(" ")[0]
            threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
            return p, url
    raise SystemExit("serve did not start")

def call(url, path, body=None, timeout=120):
    token = open(os.path.join(store, "admin.token")).read().strip()
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def node_state(url, run, node):
    s, b = call(url, f"/api/v1/runs/{run}")
    if s != 200: return None
    for n in json.loads(b).get("nodes", []):
        if n["id"] == node: return n["state"]

def status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":"); out[k] = v.split()
    return int(out["Threads"][0]), int(out["VmRSS"][0]) // 1024

def cpu_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])

flow = ("name: gated\nnodes:\n  - {id: review, gate: {approve: null}}\n"
        f"  - {{id: next, task: stamp, after: [review]}}\ntasks:\n"
        f"  stamp: {{command: [sh, -c, \"date +%s.%N > {stamps}/$SLUICE_RUN_ID\"]}}\n")
server, url = serve()
try:
    t = time.time()
    for i in range(N):
        s, b = call(url, "/api/v1/runs", {"flow": flow, "run_id": f"r{i}"})
        assert s in (200, 201, 202), (s, b[:200])
    submit = time.time() - t
    end = time.time() + 600
    for i in range(N):
        while node_state(url, f"r{i}", "review") != "waiting":
            if time.time() > end: raise SystemExit(f"r{i} never waiting")
            time.sleep(0.05)
    rows.append((f"submit {N} gated runs, all waiting", f"{time.time() - t:.1f} s (submits {submit:.1f} s)", " ".join(load())))
    time.sleep(2)
    # Idle sampling: ~10 s.
    samples, c0, w0 = [], cpu_ticks(server.pid), time.time()
    for _ in range(10):
        time.sleep(1); samples.append(status(server.pid))
    cpu = (cpu_ticks(server.pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - w0) * 100
    threads = sorted({s[0] for s in samples}); rss = statistics.median(s[1] for s in samples)
    rows.append((f"server threads, {N} runs waiting (10 samples)", f"{threads[0]}" + (f"–{threads[-1]}" if len(threads) > 1 else ""), " ".join(load())))
    rows.append((f"server RSS, {N} runs waiting (median)", f"{rss:.0f} MB", " ".join(load())))
    rows.append((f"server CPU while idle, {N} runs waiting (10 s)", f"{cpu:.1f}%", " ".join(load())))
    st = subprocess.run(["timeout", "-s", "INT", "5", "strace", "-c", "-f", "-p", str(server.pid)],
                        capture_output=True, text=True)
    calls = {}
    for line in st.stderr.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].replace(".", "").isdigit() and parts[-1] != "total":
            calls[parts[-1]] = int(parts[3])
    total = sum(calls.values())
    io = calls.get("pread64", 0) + calls.get("pwrite64", 0)
    top = ", ".join(f"{k} {v}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1])[:4]) or "none"
    rows.append(("store I/O while idle (strace -c -f, 5 s): pread64+pwrite64 per s", f"{io / 5:.1f}/s", " ".join(load())))
    rows.append(("SQLite lock calls while idle (fcntl per s; a read transaction takes 2-4)", f"{calls.get('fcntl', 0) / 5:.1f}/s", " ".join(load())))
    rows.append(("all server syscalls while idle, per s (top 4 in 5 s)", f"{total / 5:.1f}/s ({top})", " ".join(load())))
    # Approve the first PACED gates one at a time, each waiting for its task's timestamp (no queue), then every
    # other gate, one request after another (a burst); latency = the next task's timestamp - the approve's send time.
    paced = min(100, N // 10)
    one = []
    for i in range(paced):
        t0 = time.time()
        s, b = call(url, f"/api/v1/runs/r{i}/nodes/review/approve", {"comment": "ok"})
        assert s == 202, (s, b[:200])
        f = os.path.join(stamps, f"r{i}")
        while True:
            try: one.append((float(open(f).read()) - t0) * 1000); break
            except (OSError, ValueError): time.sleep(0.001)
    one.sort()
    rows.append((f"approval -> next task start, {paced} approvals one at a time", f"p50 {statistics.median(one):.1f} ms, p99 {one[int(0.99 * (len(one) - 1))]:.1f} ms", " ".join(load())))
    sent = {}
    t = time.time()
    for i in range(paced, N):
        sent[f"r{i}"] = time.time()
        s, b = call(url, f"/api/v1/runs/r{i}/nodes/review/approve", {"comment": "ok"})
        assert s == 202, (s, b[:200])
    approving = time.time() - t
    end = time.time() + 600
    while len(os.listdir(stamps)) < N and time.time() < end: time.sleep(0.2)
    lat = []
    for r, t0 in sent.items():
        try: lat.append((float(open(os.path.join(stamps, r)).read()) - t0) * 1000)
        except (OSError, ValueError): pass
    lat.sort()
    rows.append((f"approval -> next task start, {len(lat)} of {N - paced} (burst: approvals sent one after another over {approving:.1f} s)",
                 f"p50 {statistics.median(lat):.1f} ms, p99 {lat[int(0.99 * (len(lat) - 1))]:.1f} ms, max {lat[-1]:.1f} ms", " ".join(load())))
finally:
    server.terminate(); server.wait()

# The shell baseline: the same command spawned directly, send time -> its timestamp.
base = []
for i in range(200):
    f = os.path.join(work, "base"); t0 = time.time()
    subprocess.run(["sh", "-c", f"date +%s.%N > {f}"], check=True)
    base.append((float(open(f).read()) - t0) * 1000)
base.sort()
rows.append(("shell baseline: spawn `sh -c 'date ...'` -> its timestamp (200 runs)",
             f"p50 {statistics.median(base):.1f} ms, p99 {base[int(0.99 * 199)]:.1f} ms", " ".join(load())))

print("| figure | measured | load average |\n|---|---|---|")
for k, v, l in rows: print(f"| {k} | {v} | {l} |")
subprocess.run(["rm", "-rf", work])
