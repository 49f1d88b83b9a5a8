#!/usr/bin/python3
"""Loopback SMTP sink for the delivery tests (Debian's python3-aiosmtpd).

Accepts every message and appends one JSON line {"mail_from", "rcpt_tos",
"data"} per message to --log; "data" is the message as received (headers and
MIME body). The chosen port is written to --port-file once it listens.
"""
import argparse
import json
import os
import signal
import socket
import threading

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        entry = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                 "data": envelope.content.decode("utf-8", "replace")}
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
        return "250 Message accepted"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(args.port_file + ".tmp", args.port_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait()
    controller.stop()
