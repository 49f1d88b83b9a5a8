#!/usr/bin/python3
"""Loopback HTTP receiver for the delivery tests (Debian python3 stdlib only).

Every POST is appended to --log as one JSON line {"path", "headers", "body",
"status"} at the moment it arrives; "status" is what it answers (200, the
injected failure status, or "stalled"). POST /_control with a JSON object
changes the behaviour for the next requests:
  {"fail_next": N, "fail_status": 500}  answer the next N requests with 500
  {"stall_after": K, "stall_seconds": S} answer K more requests, then hold the
                                         next one S seconds (no answer) and
                                         answer normally again afterwards
  {"delay_seconds": D}                   answer every request after D seconds
  {"reset": true}                        back to answering 200 at once
The chosen port is written to --port-file once the server listens.
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"fail_next": 0, "fail_status": 500, "stall_after": None, "stall_seconds": 0, "delay_seconds": 0}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body=b"ok"):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        if self.path == "/_control":
            with lock:
                cmd = json.loads(body)
                if cmd.get("reset"):
                    state.update(fail_next=0, fail_status=500, stall_after=None, stall_seconds=0, delay_seconds=0)
                for k in ("fail_next", "fail_status", "stall_after", "stall_seconds", "delay_seconds"):
                    if k in cmd:
                        state[k] = cmd[k]
            self.reply(200)
            return
        with lock:
            stall = state["delay_seconds"]
            if state["fail_next"] > 0:
                state["fail_next"] -= 1
                status = state["fail_status"]
            elif state["stall_after"] is not None:
                if state["stall_after"] == 0:
                    stall += state["stall_seconds"]
                    state["stall_after"] = None
                    status = "stalled"
                else:
                    state["stall_after"] -= 1
                    status = 200
            else:
                status = 200
            entry = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                     "body": body, "status": status}
            with open(args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")
        if stall:
            time.sleep(stall)
            if status == "stalled":
                status = 200
        self.reply(status, b"ok" if status == 200 else b"injected failure")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()
