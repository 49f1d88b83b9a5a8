#!/usr/bin/python3
"""Reads the logs of http_receiver.py and smtp_sink.py for test/suites/20_delivery.sh.

  body HTTP_LOG KEY        the JSON body of the last request with Idempotency-Key KEY,
                           pretty-printed with ids normalised
  mail SMTP_LOG KEY        the e-mail whose X-Idempotency-Key is KEY: envelope, headers,
                           MIME structure and the decoded text/plain part, ids normalised
  tally HTTP_LOG SMTP_LOG  one line per idempotency key: "key requests accepted"
                           (HTTP requests answered 200, e-mails received)
"""
import collections
import email
import email.policy
import json
import re
import sys


def normalise(text):
    text = re.sub(r":alert:\d+", ":alert:<id>", text)
    text = re.sub(r":channel:\d+", ":channel:<id>", text)
    text = re.sub(r'"alert_id": \d+', '"alert_id": "<id>"', text)
    text = re.sub(r"\balert \d+", "alert <id>", text)
    text = re.sub(r"alert=\d+", "alert=<id>", text)
    return text


def lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(x) for x in f if x.strip()]
    except FileNotFoundError:
        return []


def body(log, key):
    hits = [r for r in lines(log) if r["headers"].get("idempotency-key") == key]
    if not hits:
        sys.exit(f"no request with Idempotency-Key {key}")
    r = hits[-1]
    print(f"POST {r['path']}")
    print(f"content-type: {r['headers'].get('content-type')}")
    print(normalise(json.dumps(json.loads(r["body"]), indent=2, sort_keys=True, ensure_ascii=False)))


def messages(log):
    for r in lines(log):
        msg = email.message_from_string(r["data"], policy=email.policy.default)
        yield r, msg


def mail(log, key):
    hits = [(r, m) for r, m in messages(log) if m.get("X-Idempotency-Key") == key]
    if not hits:
        sys.exit(f"no e-mail with X-Idempotency-Key {key}")
    r, m = hits[-1]
    print(f"MAIL FROM {r['mail_from']} RCPT TO {', '.join(r['rcpt_tos'])}")
    for h in ("From", "To", "Subject"):
        print(f"{h}: {m[h]}")
    print("Message-ID present:", bool(m["Message-ID"]), "Date present:", bool(m["Date"]))
    print("structure:", " ".join(p.get_content_type() for p in m.walk()))
    text = m.get_body(preferencelist=("plain",))
    print("text/plain charset:", text.get_content_charset())
    print("----")
    print(normalise(text.get_content().replace("\r\n", "\n")), end="")


def tally(http_log, smtp_log):
    req = collections.Counter()
    ok = collections.Counter()
    for r in lines(http_log):
        k = r["headers"].get("idempotency-key")
        if k:
            req[k] += 1
            ok[k] += r["status"] == 200
    for _, m in messages(smtp_log):
        k = m.get("X-Idempotency-Key")
        req[k] += 1
        ok[k] += 1
    for k in sorted(req):
        print(k, req[k], ok[k])


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"body": body, "mail": mail, "tally": tally}[cmd](*sys.argv[2:])
