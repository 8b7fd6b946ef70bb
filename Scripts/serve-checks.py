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
"""
import csv
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time


def post(port, path, body, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", path, body=body, headers=headers or {"Content-Type": "application/json"})
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
        ("reload: unknown model", "POST", "/v1/models/no-such-model/reload", None, 404),
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


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "compare":
        compare(int(args[0]), args[1], args[2], args[3])
    elif command == "bad":
        bad(int(args[0]), args[1], float(args[2]))
    elif command == "drain":
        drain(int(args[0]), args[1], args[2], int(args[3]))
    else:
        sys.exit(__doc__)
