#!/usr/bin/env python3
"""The checks of Scripts/check-serve.sh that need a program, not a command line (stdlib only).

  serve-checks.py compare PORT MODEL_NAME TEXTS_CSV PREDICT_JSONL
      every answer of POST /predict (100 texts per request) equals the line textclf predict
      --format jsonl printed for the text, digit for digit, without the key member
  serve-checks.py bad PORT MODEL_NAME TIMEOUT_S
      a corpus of bad requests, each answered with its status and a JSON error body; a client
      that never finishes its body; then the server must still answer
  serve-checks.py drain PORT MODEL_NAME TEXTS_CSV SERVER_PID
      200 requests of 25 texts sent at once, SIGTERM 0.2 s later: every one must be answered 200
  serve-checks.py limits PORT MAX_CONNECTIONS
      a connection past --max-connections is closed unanswered; a client that never reads its
      answers is cut off by --write-timeout-ms (1000)
  serve-checks.py attack PORT SERVER_PID ADMIN_TOKEN WORK_DIR BOUND_MB
      hostile clients and operators: an oversized answer, long explains, 900 stalled uploads,
      probes under 256 connections, a reload storm, a FIFO and a /dev/zero link in a model
      directory; each stage's status, peak RSS (at most BOUND_MB) and health
"""
import csv
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time


def post(port, path, body, headers=None, timeout=60):
    headers = {"Content-Type": "application/json", **(headers or {})}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def texts_of(path, limit=None):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [row["text"] for row in csv.DictReader(f)]
    return rows[:limit] if limit else rows


def compare(port, model, texts_csv, predict_jsonl):
    texts = texts_of(texts_csv)
    expected = []
    with open(predict_jsonl, encoding="utf-8") as f:
        for line in f:
            # Floats kept as their digits: "same digits" is the contract.
            obj = json.loads(line, parse_float=str)
            obj.pop("text")
            expected.append(obj)
    assert len(expected) == len(texts), f"{len(expected)} predict lines for {len(texts)} texts"
    answers = []
    for start in range(0, len(texts), 100):
        status, data = post(port, f"/v1/models/{model}/predict", json.dumps({"texts": texts[start:start + 100]}))
        assert status == 200, f"status {status}: {data[:200]}"
        answers += json.loads(data, parse_float=str)["predictions"]
    differ = [k for k, (a, b) in enumerate(zip(answers, expected)) if a != b]
    if differ:
        k = differ[0]
        sys.exit(f"check-serve: {len(differ)} of {len(texts)} answers differ from textclf predict; "
                 f"first, row {k + 2}: {answers[k]} vs {expected[k]}")
    print(f"check-serve: {len(texts)} answers equal textclf predict's, digit for digit")


def bad(port, model, timeout):
    path = f"/v1/models/{model}/predict"
    corpus = [
        ("invalid JSON", "POST", path, b"{\"texts\": [", 400),
        ("not an object", "POST", path, b"[1, 2]", 400),
        ("texts missing", "POST", path, b"{}", 400),
        ("texts not an array", "POST", path, b"{\"texts\": \"a\"}", 400),
        ("a text not a string", "POST", path, b"{\"texts\": [1]}", 400),
        ("top_k a string", "POST", path, b"{\"texts\": [\"a\"], \"top_k\": \"3\"}", 400),
        ("unknown member", "POST", path, b"{\"texts\": [\"a\"], \"top-k\": 3}", 400),
        ("invalid UTF-8", "POST", path, b"{\"texts\": [\"\xff\xfe\"]}", 400),
        ("empty body", "POST", path, b"", 400),
        ("threshold out of range", "POST", path, b"{\"texts\": [\"a\"], \"threshold\": -1}", 422),
        ("top_k on a binary model", "POST", path, b"{\"texts\": [\"a\"], \"top_k\": 2}", 422),
        ("too many texts", "POST", path, json.dumps({"texts": ["a"] * 1001}).encode(), 422),
        ("body too large", "POST", path, json.dumps({"texts": ["好" * 100_000] * 15}).encode(), 413),
        ("unknown model", "POST", "/v1/models/no-such-model/predict", b"{\"texts\": [\"a\"]}", 404),
        ("unknown route", "GET", "/v1/nothing", None, 404),
        ("wrong method", "DELETE", "/v1/models", None, 405),
        ("explain: unknown label", "POST", f"/v1/models/{model}/explain", b"{\"texts\": [\"a\"], \"label\": \"nope\"}", 422),
        ("explain: too many texts", "POST", f"/v1/models/{model}/explain", json.dumps({"texts": ["a"] * 101}).encode(), 422),
        ("reload without the admin token", "POST", f"/v1/models/{model}/reload", None, 401),
    ]
    failures = 0
    for name, method, target, body, want in corpus:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(method, target, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        try:
            error = json.loads(data)["error"]
            shaped = isinstance(error["code"], str) and isinstance(error["message"], str)
        except (ValueError, KeyError, TypeError):
            shaped = False
        if response.status != want or not shaped:
            failures += 1
            print(f"  {name}: got {response.status} {data[:120]!r}, want {want} with a JSON error body")
    # A client that sends half a body and then nothing: answered 504 or closed, not held forever.
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"texts\": [".encode())
        s.settimeout(timeout + 15)
        try:
            reply = s.recv(4096)
        except socket.timeout:
            reply = None
    waited = time.monotonic() - started
    if reply is None:
        failures += 1
        print(f"  slow client: held for {waited:.0f} s with no answer")
    elif reply and not reply.startswith(b"HTTP/1.1 504"):
        failures += 1
        print(f"  slow client: got {reply[:60]!r}, want 504 or a closed connection")
    # Garbage instead of HTTP.
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"\x00\x01 not http at all\r\n\r\n")
        s.settimeout(10)
        try:
            s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            pass
    status, _ = get(port, "/healthz")
    if status != 200:
        failures += 1
        print(f"  the server is not healthy after the bad requests: {status}")
    status, data = post(port, path, b"{\"texts\": [\"\xe8\xb4\xa8\xe9\x87\x8f\xe5\xbe\x88\xe5\xa5\xbd\"]}")
    if status != 200:
        failures += 1
        print(f"  the server does not answer a good request after the bad ones: {status}")
    if failures:
        sys.exit(f"check-serve: {failures} bad requests not refused as they should be")
    stalled = "answered 504" if reply else "cut off"
    print(f"check-serve: {len(corpus)} bad requests refused with their status and a JSON error; "
          f"a stalled body {stalled} after {waited:.1f} s; garbage survived; still serving")


def drain(port, model, texts_csv, pid):
    # 200 × 25 texts, well inside the server's deadline on a loaded machine. SIGTERM goes as
    # soon as every request has been sent (not after a fixed pause, which a fast machine
    # outruns, nor at the first answer, which can come while Python threads are still sending:
    # a request not yet sent is not in flight, and its connection may rightly be closed), so
    # the server is at work and most requests are still in flight.
    texts = texts_of(texts_csv, 25)
    body = json.dumps({"texts": texts})
    outcomes = []
    lock = threading.Lock()
    connected = threading.Barrier(201)
    sent = []
    all_sent = threading.Event()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        connected.wait()
        try:
            conn.request("POST", f"/v1/models/{model}/predict", body=body, headers={"Content-Type": "application/json"})
            with lock:
                sent.append(True)
                if len(sent) == 200:
                    all_sent.set()
            response = conn.getresponse()
            response.read()
            outcome = response.status
        except Exception as error:  # noqa: BLE001 - every failure is an outcome to count
            outcome = type(error).__name__
        with lock:
            outcomes.append(outcome)
            if len(outcomes) == 200:
                all_sent.set()  # a send that failed must not keep the check waiting

    threads = [threading.Thread(target=client) for _ in range(200)]
    for t in threads:
        t.start()
    connected.wait()
    all_sent.wait(timeout=60)
    with lock:
        in_flight = 200 - len(outcomes)
    os.kill(pid, signal.SIGTERM)
    for t in threads:
        t.join()
    answered = outcomes.count(200)
    others = [o for o in outcomes if o != 200]
    if others:
        sys.exit(f"check-serve: SIGTERM under load: {answered} answered, {len(others)} not: {sorted(set(map(str, others)))}")
    if in_flight == 0:
        sys.exit("check-serve: every request was answered before SIGTERM: the drain was not tested")
    print(f"check-serve: SIGTERM with {in_flight} of 200 requests (25 texts each) in flight: all 200 answered")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def reset_peak(pid):
    # Writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS (Linux >= 4.0).
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def attack(port, pid, token, work, bound_mb):
    """The hostile-client stages of the hardening issue, each with its status, the server's peak
    RSS during it (checked against bound_mb) and a check that the server still answers."""
    failures = []
    baseline, _ = rss_mb(pid)
    print(f"check-serve attack: baseline RSS {baseline} MB; each stage's peak must stay under {bound_mb} MB")

    def stage(name, run):
        reset_peak(pid)
        started = time.monotonic()
        try:
            outcome = run()
        except Exception as error:  # noqa: BLE001 - a failed stage is reported, not raised
            outcome = f"failed: {type(error).__name__}: {error}"
            failures.append(name)
        seconds = time.monotonic() - started
        _, peak = rss_mb(pid)
        health, _ = get(port, "/healthz")
        ok = peak <= bound_mb and health == 200
        if not ok:
            failures.append(name)
        print(f"  {name}: {outcome}; {seconds:.1f} s; peak RSS {peak} MB; /healthz {health}" + ("" if ok else "  <-- FAILED"))

    def oversized_answer():
        body = json.dumps({"texts": [""] * 1000, "min_probability": 1, "unknown_label": "x" * 4_000_000})
        status, data = post(port, "/v1/models/topics/predict", body)
        assert status == 422, f"{status} {data[:100]!r}"
        # The longest unknown_label: 64 characters, here of 4 UTF-8 bytes each.
        body = json.dumps({"texts": ["好"] * 1000, "top_k": 10, "probabilities": True, "unknown_label": "\U0001F600" * 64})
        status2, data2 = post(port, "/v1/models/topics/predict", body)
        assert status2 == 200, f"{status2} {data2[:100]!r}"
        return f"4 MB unknown_label x 1,000 texts: {status}; the largest answer allowed ({len(data2):,} bytes): {status2}"

    def long_explain():
        # The shipped test reviews run together, cut into 8 texts of 30,000 characters.
        reviews = "".join(texts_of("Data/reviews-test.csv")) * 3
        texts = [reviews[k * 30000:(k + 1) * 30000] for k in range(8)]
        body = json.dumps({"texts": texts}, ensure_ascii=False).encode()
        status, data = post(port, "/v1/models/reviews/explain", body)
        assert status == 200, f"{status} {data[:100]!r}"
        # Four at once by occlusion (one pass per token, where the bag's log-odds take one):
        # one computed, the others refused 503 (explain has its own bounded pool).
        occlusion = json.dumps({"texts": texts, "scale": "probability"}, ensure_ascii=False).encode()
        results = []
        threads = [threading.Thread(target=lambda: results.append(post(port, "/v1/models/reviews/explain", occlusion)[0]))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r in (200, 503) for r in results), results
        return (f"8 texts of 30,000 characters ({len(body):,} bytes): {status}, a {len(data):,}-byte answer; "
                f"4 at once by occlusion: {sorted(results)}")

    def stalled_uploads():
        sockets = []
        for _ in range(900):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/models/reviews/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 4000000\r\n\r\n{\"texts\": [\"" + "好".encode() * 20000)
            sockets.append(s)
        health, _ = get(port, "/healthz")
        status, _ = post(port, "/v1/models/reviews/predict", json.dumps({"texts": ["质量很好"]}))
        # Each is cut off by the idle timeout; wait for the server to close them all.
        deadline = time.monotonic() + 60
        closed = 0
        for s in sockets:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                while s.recv(4096):
                    pass
                closed += 1
            except ConnectionResetError:
                closed += 1
            except socket.timeout:
                pass
            s.close()
        assert health == 200 and status == 200 and closed == 900, (health, status, closed)
        return f"900 uploads stalled after 60 KB of 4 MB: /healthz {health} and a predict {status} meanwhile, all 900 cut off"

    def probes_under_load():
        stop = threading.Event()
        statuses, slowest = [], [0.0]
        def poll():
            while not stop.is_set():
                t = time.monotonic()
                statuses.append(get(port, "/healthz")[0])
                slowest[0] = max(slowest[0], time.monotonic() - t)
                time.sleep(0.05)
        poller = threading.Thread(target=poll)
        poller.start()
        load = subprocess.run(["wrk", "-t", "1", "-c", "256", "-d", "5s", "-s", f"{work}/one.lua",
                               f"http://127.0.0.1:{port}/v1/models/reviews/predict"], capture_output=True, text=True)
        stop.set()
        poller.join()
        rps = next((line.split()[1] for line in load.stdout.splitlines() if line.startswith("Requests/sec")), "?")
        assert statuses and all(s == 200 for s in statuses), sorted(set(statuses))
        return f"256 connections of load ({rps} requests/s): {len(statuses)} polls of /healthz all 200, slowest {slowest[0] * 1000:.0f} ms"

    def reload_storm():
        stop = threading.Event()
        answers = []
        headers = {"Authorization": f"Bearer {token}"}
        def reloads():
            while not stop.is_set():
                answers.append(post(port, "/v1/models/reviews/reload", b"", headers)[0])
        def hangups():
            while not stop.is_set():
                os.kill(pid, signal.SIGHUP)
                time.sleep(0.05)
        threads = [threading.Thread(target=reloads) for _ in range(4)] + [threading.Thread(target=hangups)]
        for t in threads:
            t.start()
        load = subprocess.run(["wrk", "-t", "1", "-c", "16", "-d", "5s", "-s", f"{work}/one.lua",
                               f"http://127.0.0.1:{port}/v1/models/reviews/predict"], capture_output=True, text=True)
        stop.set()
        for t in threads:
            t.join()
        failed = "Non-2xx" in load.stdout or "Socket errors" in load.stdout
        assert answers and all(a == 200 for a in answers) and not failed, (sorted(set(answers)), load.stdout[-300:])
        return f"{len(answers)} HTTP reloads from 4 clients and SIGHUP every 50 ms under load: every reload 200, no request failed"

    def hostile_model_directory():
        victim = f"{work}/victim"
        weights = f"{victim}/model.safetensors"
        headers = {"Authorization": f"Bearer {token}"}
        saved = f"{work}/victim-weights"
        os.rename(weights, saved)
        try:
            outcomes = []
            os.mkfifo(weights)
            started = time.monotonic()
            status, data = post(port, "/v1/models/victim/reload", b"", headers, timeout=30)
            outcomes.append(f"a FIFO: {status} in {time.monotonic() - started:.2f} s")
            assert status == 422 and b"not a regular file" in data, (status, data[:200])
            os.unlink(weights)
            os.symlink("/dev/zero", weights)
            status, data = post(port, "/v1/models/victim/reload", b"", headers, timeout=30)
            outcomes.append(f"a /dev/zero link: {status}")
            assert status == 422 and b"symbolic link" in data, (status, data[:200])
            status, data = post(port, "/v1/models/victim/predict", json.dumps({"texts": ["好"]}))
            assert status == 200, "the old model keeps serving"
        finally:
            if os.path.lexists(weights):
                os.unlink(weights)
            os.rename(saved, weights)
        status, _ = post(port, "/v1/models/victim/reload", b"", headers)
        assert status == 200
        return "; ".join(outcomes) + f"; the old model served meanwhile; restored: {status}"

    stage("oversized answer", oversized_answer)
    stage("explain of long texts", long_explain)
    stage("stalled uploads", stalled_uploads)
    stage("probes under 256 connections", probes_under_load)
    stage("reload storm", reload_storm)
    stage("hostile model directory", hostile_model_directory)
    if failures:
        sys.exit(f"check-serve attack: failed: {', '.join(failures)}")
    print("check-serve attack: every stage held")


def limits(port, max_connections):
    """Against a server started with --max-connections MAX and --write-timeout-ms 1000: a
    connection beyond the cap is closed unanswered, and a client that sends requests but reads
    none of its answers is cut off instead of holding them."""
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(max_connections)]
    time.sleep(0.2)
    extra = socket.create_connection(("127.0.0.1", port))
    extra.settimeout(5)
    try:
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = extra.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        reply = b""
    extra.close()
    assert reply == b"", f"connection {max_connections + 1} was answered: {reply[:60]!r}"
    for s in held:
        s.close()
    time.sleep(0.2)
    status, _ = get(port, "/healthz")
    assert status == 200, "closed connections must free their places"
    print(f"check-serve limits: connection {max_connections + 1} closed unanswered; served again once the others closed")

    # 200 pipelined requests of ~76 KB answers each (15 MB), never read.
    body = json.dumps({"texts": ["央行宣布下调存款准备金率"] * 100, "top_k": 10, "probabilities": True}).encode()
    request = (f"POST /v1/models/topics/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.connect(("127.0.0.1", port))
    sent = 0
    reader.settimeout(10)
    try:
        for _ in range(200):
            reader.sendall(request)
            sent += 1
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    time.sleep(3)
    received, closed = 0, False
    reader.settimeout(5)
    try:
        while True:
            chunk = reader.recv(1 << 16)
            if not chunk:
                closed = True
                break
            received += len(chunk)
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        pass
    reader.close()
    # Cut off: the connection closed before the answers were all out (with a long write
    # timeout every answer arrives, and only then does the idle timeout close it).
    status, answer = post(port, "/v1/models/topics/predict", body)
    whole = sent * len(answer)
    assert closed and received < whole // 2, f"a client that read nothing for 3 s was not cut off ({received:,} of {whole:,} bytes)"
    print(f"check-serve limits: a client that sent {sent} requests and read none of the answers was cut off "
          f"({received:,} of the {whole:,} bytes of answers had left the server); still serving")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "compare":
        compare(int(args[0]), args[1], args[2], args[3])
    elif command == "bad":
        bad(int(args[0]), args[1], float(args[2]))
    elif command == "drain":
        drain(int(args[0]), args[1], args[2], int(args[3]))
    elif command == "limits":
        limits(int(args[0]), int(args[1]))
    elif command == "attack":
        attack(int(args[0]), int(args[1]), args[2], args[3], int(args[4]))
    else:
        sys.exit(__doc__)
