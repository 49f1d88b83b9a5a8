#!/usr/bin/env bash
# Alert delivery end to end, against a loopback HTTP receiver and SMTP sink
# (test/services/): the exact payloads of each channel kind, pg_notify,
# retries after receiver failures, dead letters, PagerDuty trigger then
# resolve with one dedup_key, the e-mail's plain-text part, daily and weekly
# digests, and a sender killed mid-batch (nothing lost, no incident state
# accepted twice). Run by test/run_tests.sh after pg_regress (PG* and
# SUITE_TMP set); exit 0 = passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=${SUITE_TMP:?SUITE_TMP must be set}
expected=$root/test/expected/delivery
py=/usr/bin/python3
check=$root/test/services/delivery_check.py
pids=()
failures=0

q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql -X -q -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL' || true
DELETE FROM anomaly.channels WHERE name LIKE 'suite %';
DELETE FROM anomaly.metrics WHERE name LIKE 'suite_%';
DROP SCHEMA IF EXISTS delivery_suite CASCADE;
DELETE FROM anomaly.delivery_settings;
SQL
}
trap cleanup EXIT

# -- services ------------------------------------------------------------------
http_log=$tmp/http.jsonl smtp_log=$tmp/smtp.jsonl
$py "$root/test/services/http_receiver.py" --log "$http_log" --port-file "$tmp/http.port" & pids+=($!)
$py "$root/test/services/smtp_sink.py" --log "$smtp_log" --port-file "$tmp/smtp.port" & pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/http.port" ] && [ -s "$tmp/smtp.port" ] && break; sleep 0.1; done
http_port=$(cat "$tmp/http.port") smtp_port=$(cat "$tmp/smtp.port")
base=http://127.0.0.1:$http_port
control() {
  $py -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode()), timeout=5).read()' \
    "$base/_control" "$1"
}

# Compares what the receiver got with an expected file (ACCEPT_OUTPUT=1:
# writes the expected file instead; review its diff before committing).
compare() {
  local name=$1; shift
  if [ -n "${ACCEPT_OUTPUT:-}" ]; then "$@" >"$expected/$name" 2>&1 || true; fi
  if "$@" >"$tmp/$name" 2>&1 && diff -u "$expected/$name" "$tmp/$name" >"$tmp/$name.diff"; then
    ok "$name matches"
  else
    fail "$name differs"; cat "$tmp/$name.diff" 2>/dev/null || cat "$tmp/$name"
  fi
}
key() { q "SELECT o.idempotency_key FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id
            WHERE c.name = 'suite $1' AND ${2}"; }
deliver() { q "CALL anomaly.deliver_alerts(${1:-})" >/dev/null; }

# -- setup: a metric, channels of every kind, a fixed installation id ------------
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA delivery_suite;
CREATE TABLE delivery_suite.daily (day date, region text, amount float8);
SELECT anomaly.add_metric('suite_revenue', source => 'delivery_suite.daily'::regclass, time_column => 'day',
                          value_column => 'amount', frequency => '1 day', dimension_columns => ARRAY['region']::name[],
                          time_zone => 'UTC');
SELECT anomaly.add_metric('suite_orders', source => 'delivery_suite.daily'::regclass, time_column => 'day',
                          value_column => 'amount', frequency => '1 day', time_zone => 'UTC');
-- An incident as run_checks writes it (the rule: the metric's "deviation" rule).
CREATE FUNCTION delivery_suite.incident(metric text, series jsonb, sev text, day date, value float8,
                                        created timestamptz DEFAULT now(), status text DEFAULT 'triggered')
RETURNS bigint LANGUAGE sql AS \$\$
  INSERT INTO anomaly.anomaly_log (metric_id, series, rule_ids, rules, first_ts, last_ts, points, status, severity,
          value, expected, lower, upper, score, deviation_pct, direction, peak_ts, peak_rule_id, message, playbook,
          created_at, resolution, resolved_at)
  SELECT m.id, series, ARRAY[r.id], jsonb_build_array(jsonb_build_object('id', r.id, 'name', r.name)),
         day, day, 1, status, sev, value, 1000, 900, 1100, (value - 1000) / 25, value / 10 - 100,
         CASE WHEN value < 1000 THEN 'down' ELSE 'up' END, day, r.id,
         format('%s%s: %s on %s vs expected 1000', metric, CASE WHEN series = '{}' THEN '' ELSE ' [' || anomaly.series_label(series) || ']' END, value, day),
         E'1. Check the checkout & payment <provider> status\n2. Compare with orders',
         created, CASE WHEN status = 'auto_resolved' THEN 'auto: 3 normal periods' END,
         CASE WHEN status = 'auto_resolved' THEN day + 4 END
  FROM anomaly.metrics m JOIN anomaly.rules r ON r.metric_id = m.id AND r.name = 'deviation'
  WHERE m.name = metric
  RETURNING id
\$\$;
SELECT anomaly.delivery_config();
UPDATE anomaly.delivery_settings SET installation = 'suite', retry_base = '0', max_attempts = 3, timeout_ms = 5000,
       link_template = 'https://bi.example.com/metric/{metric}?from={first_ts}&alert={alert_id}';
SELECT anomaly.add_channel('suite slack', 'slack', '$base/slack', metrics => ARRAY['suite_revenue', 'suite_orders'], time_zone => 'UTC');
SELECT anomaly.add_channel('suite hook', 'webhook', '$base/hook', metrics => ARRAY['suite_revenue', 'suite_orders'], time_zone => 'UTC');
SELECT anomaly.add_channel('suite pager', 'pagerduty', 'R0UT1NGKEY0123456789abcdefABCDEF', target => '$base/pagerduty',
                           metrics => ARRAY['suite_revenue', 'suite_orders']);
SELECT anomaly.add_channel('suite mail', 'email', target => 'ops@example.com, bi@example.com',
                           options => '{"smtp_url": "smtp://127.0.0.1:$smtp_port", "mail_from": "alerts@example.com"}',
                           metrics => ARRAY['suite_revenue', 'suite_orders'], time_zone => 'UTC');
UPDATE anomaly.channel_secrets SET headers = '{"Authorization": "Bearer suite-token"}'
 WHERE channel_id = (SELECT id FROM anomaly.channels WHERE name = 'suite hook');
SQL

# -- 1. one critical incident: its opening on every channel, pg_notify ---------------
notify=$(psql -X -q -At -v ON_ERROR_STOP=1 <<'SQL'
LISTEN anomaly_alert;
SELECT delivery_suite.incident('suite_revenue', '{"region": "EU"}', 'critical', '2024-02-14', 0);
SQL
)
n_notify=$(grep -c 'Asynchronous notification "anomaly_alert" with payload "{"outbox_id" : [0-9]*, "channel_id" : [0-9]*, "alert_id" : [0-9]*, "event" : "opened"}"' <<<"$notify" || true)
[ "$n_notify" = 4 ] && ok "pg_notify: one notification per queued message" || { fail "pg_notify: $n_notify notifications"; echo "$notify"; }
a1=$(q "SELECT id FROM anomaly.anomaly_log WHERE series = '{\"region\": \"EU\"}' AND first_ts = '2024-02-14'")
deliver
compare slack_opened.out $py "$check" body "$http_log" "$(key slack "o.alert_id = $a1 AND o.event = 'opened'")"
compare webhook_opened.out $py "$check" body "$http_log" "$(key hook "o.alert_id = $a1 AND o.event = 'opened'")"
compare pagerduty_trigger.out $py "$check" body "$http_log" "$(key pager "o.alert_id = $a1 AND o.event = 'opened'")"
compare email_opened.out $py "$check" mail "$smtp_log" "$(key mail "o.alert_id = $a1 AND o.event = 'opened'")"
auth=$($py -c "import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)['path']=='/hook' and json.loads(l)['headers'].get('authorization')=='Bearer suite-token'))" "$http_log")
[ "$auth" = 1 ] && ok "webhook carries its secret header" || fail "webhook secret header seen $auth times"

# -- 2. resolution: PagerDuty resolve with the trigger's dedup_key ---------------------
q "SELECT anomaly.resolve($a1, 'payment provider fixed')" >/dev/null
deliver
compare pagerduty_resolve.out $py "$check" body "$http_log" "$(key pager "o.alert_id = $a1 AND o.event = 'resolved'")"
compare slack_resolved.out $py "$check" body "$http_log" "$(key slack "o.alert_id = $a1 AND o.event = 'resolved'")"
same=$($py - "$http_log" <<'PY'
import json, sys
d = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1]) if json.loads(l)["path"] == "/pagerduty"]
print(len(d), d[0]["event_action"], d[-1]["event_action"], d[0]["dedup_key"] == d[-1]["dedup_key"],
      all(x["routing_key"] == "R0UT1NGKEY0123456789abcdefABCDEF" for x in d))
PY
)
[ "$same" = "2 trigger resolve True True" ] && ok "PagerDuty: trigger then resolve, same dedup_key, routing key added" || fail "PagerDuty: $same"
# Nothing is queued again for a state already queued.
q "UPDATE anomaly.anomaly_log SET status = 'resolved' WHERE id = $a1" >/dev/null
n=$(q "SELECT count(*) FROM anomaly.alert_outbox WHERE alert_id = $a1")
[ "$n" = 8 ] && ok "8 messages for one incident opened and resolved on 4 channels" || fail "$n messages for incident $a1"

# -- 3. retries: the receiver fails twice, the next run succeeds -----------------------
control '{"fail_next": 2, "fail_status": 503}'
a2=$(q "SELECT delivery_suite.incident('suite_revenue', '{\"region\": \"US\"}', 'warning', '2024-02-20', 700)")
deliver
r=$(q "SELECT string_agg(c.kind || ':' || o.status || ':' || o.attempts || ':' || coalesce(o.last_error, '-'), ' ' ORDER BY c.kind)
         FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id WHERE o.alert_id = $a2")
[ "$r" = "email:sent:1:- slack:pending:1:HTTP 503: injected failure webhook:pending:1:HTTP 503: injected failure" ] \
  && ok "failed posts stay pending with their error (warning: no PagerDuty)" || fail "after failures: $r"
deliver
r=$(q "SELECT string_agg(c.kind || ':' || o.status || ':' || o.attempts, ' ' ORDER BY c.kind)
         FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id WHERE o.alert_id = $a2")
[ "$r" = "email:sent:1 slack:sent:2 webhook:sent:2" ] && ok "retried and sent" || fail "after retry: $r"

# -- 4. dead letters: after max_attempts (3) failures, and at once for a 4xx -----------
control '{"fail_next": 100, "fail_status": 500}'
a3=$(q "SELECT delivery_suite.incident('suite_orders', '{}', 'warning', '2024-02-21', 1500)")
for _ in 1 2 3 4; do deliver; done
r=$(q "SELECT string_agg(c.kind || ':' || o.status || ':' || o.attempts, ' ' ORDER BY c.kind)
         FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id WHERE o.alert_id = $a3")
[ "$r" = "email:sent:1 slack:dead:3 webhook:dead:3" ] && ok "dead after 3 failures, no 4th attempt" || fail "dead letters: $r"
control '{"reset": true, "fail_next": 1, "fail_status": 404}'
q "UPDATE anomaly.channels SET immediate = '{critical,warning}', metrics = '{suite_orders}' WHERE name = 'suite slack'" >/dev/null
q "UPDATE anomaly.channels SET enabled = false WHERE name IN ('suite hook', 'suite mail')" >/dev/null
a4=$(q "SELECT delivery_suite.incident('suite_orders', '{}', 'critical', '2024-02-25', 100)")
deliver
r=$(q "SELECT string_agg(c.kind || ':' || o.status || ':' || o.attempts || ':' || o.last_status, ' ' ORDER BY c.kind)
         FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id WHERE o.alert_id = $a4")
[ "$r" = "pagerduty:sent:1:200 slack:dead:1:404" ] && ok "404 is permanent: dead after one attempt; metric filter and disabled channels respected" \
  || fail "permanent failure: $r"
q "UPDATE anomaly.channels SET enabled = true, metrics = '{suite_revenue,suite_orders}' WHERE name LIKE 'suite %'" >/dev/null
control '{"reset": true}'

# -- 5. digests: warnings of a day, infos of a week, grouped per metric ------------------
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT delivery_suite.incident('suite_revenue', '{"region": "EU"}', 'warning', '2026-01-04', 850, '2026-01-05 07:00+00', 'auto_resolved');
SELECT delivery_suite.incident('suite_revenue', '{"region": "US"}', 'warning', '2026-01-04', 1250, '2026-01-05 07:00+00', 'auto_resolved');
SELECT delivery_suite.incident('suite_orders', '{}', 'warning', '2026-01-05', 820, '2026-01-05 23:30+00', 'auto_resolved');
SELECT delivery_suite.incident('suite_orders', '{}', 'critical', '2026-01-03', 10, '2026-01-04 07:00+00', 'auto_resolved');
SELECT delivery_suite.incident('suite_orders', '{}', 'info', '2026-01-07', 1120, '2026-01-08 07:00+00', 'auto_resolved');
SQL
deliver "as_of => '2026-01-06 08:00+00'"
r=$(q "SELECT string_agg(c.kind || ':' || o.event || ':' || o.status, ' ' ORDER BY c.kind, o.event)
         FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id WHERE o.period IS NOT NULL")
[ "$r" = "email:daily_digest:sent slack:daily_digest:sent webhook:daily_digest:sent" ] && ok "daily digest on the digest channels" || fail "daily: $r"
compare webhook_daily_digest.out $py "$check" body "$http_log" "$(key hook "o.event = 'daily_digest'")"
compare email_daily_digest.out $py "$check" mail "$smtp_log" "$(key mail "o.event = 'daily_digest'")"
deliver "as_of => '2026-01-06 09:00+00'"
deliver "as_of => '2026-01-12 08:00+00'"
r=$(q "SELECT string_agg(c.kind || ':' || o.event || ':' || to_char(lower(o.period) AT TIME ZONE 'UTC', 'MM-DD'), ' ' ORDER BY c.kind, o.event)
         FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id WHERE o.period IS NOT NULL")
[ "$r" = "email:daily_digest:01-05 email:weekly_digest:01-05 slack:daily_digest:01-05 slack:weekly_digest:01-05 webhook:daily_digest:01-05 webhook:weekly_digest:01-05" ] \
  && ok "one digest per period; the weekly one for Jan 5-11" || fail "digests: $r"
compare slack_weekly_digest.out $py "$check" body "$http_log" "$(key slack "o.event = 'weekly_digest'")"

# -- 6. the sender killed mid-batch while the receiver stalls -----------------------------
q "UPDATE anomaly.delivery_settings SET timeout_ms = 20000" >/dev/null
for d in 03-01 03-02 03-03; do
  q "SELECT delivery_suite.incident('suite_revenue', '{\"region\": \"APAC\"}', 'critical', '2024-$d', 5)" >/dev/null
done
batch=$(q "SELECT count(*) FROM anomaly.alert_outbox WHERE status = 'pending'")
control '{"stall_after": 3, "stall_seconds": 30}'
PGAPPNAME=suite_sender psql -X -q -c "CALL anomaly.deliver_alerts()" >"$tmp/killed.out" 2>&1 &
sender=$!
for _ in $(seq 100); do
  grep -q '"status": "stalled"' "$http_log" && break; sleep 0.1
done
sent_before=$(q "SELECT count(*) FROM anomaly.alert_outbox WHERE status = 'sent'")
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'suite_sender'" >/dev/null
t0=$(date +%s.%N)
wait "$sender" || true
t1=$(date +%s.%N)
quick=$($py -c "print(float('$t1') - float('$t0') < 5)")
[ "$quick" = True ] && ok "the terminated sender left within 5 s (transfer timeout 20 s)" || fail "sender took $t0..$t1 to die"
r=$(q "SELECT count(*) FILTER (WHERE status = 'pending' AND attempts = 0) FROM anomaly.alert_outbox")
[ "$r" -ge 1 ] && [ "$r" -lt "$batch" ] && ok "killed mid-batch: $((batch - r)) sent and committed, $r still pending" \
  || fail "after the kill: $r of $batch pending (sent before kill: $sent_before)"
control '{"reset": true}'
deliver
r=$(q "SELECT count(*) FROM anomaly.alert_outbox WHERE status = 'pending'")
[ "$r" = 0 ] && ok "the next run sent the rest" || fail "$r still pending"

# -- 7. a receiver slower than timeout_ms: the transfer gives up, the message waits -------
q "UPDATE anomaly.delivery_settings SET timeout_ms = 400" >/dev/null
control '{"stall_after": 0, "stall_seconds": 3}'
a7=$(q "SELECT delivery_suite.incident('suite_orders', '{}', 'warning', '2024-03-10', 10)")
q "UPDATE anomaly.channels SET enabled = false WHERE name LIKE 'suite %' AND name <> 'suite hook'" >/dev/null
t0=$(date +%s.%N); deliver; t1=$(date +%s.%N)
r=$(q "SELECT o.status || ':' || o.attempts || ':' || (o.last_error ~ 'timed out') FROM anomaly.alert_outbox o WHERE o.alert_id = $a7 AND o.attempts > 0")
quick=$($py -c "print(float('$t1') - float('$t0') < 2.5)")
[ "$r" = "pending:1:true" ] && [ "$quick" = True ] && ok "timeout_ms 400 against a 3 s stall: timed out, pending" || fail "timeout: $r, quick=$quick"
control '{"reset": true}'
q "UPDATE anomaly.channels SET enabled = true WHERE name LIKE 'suite %'; UPDATE anomaly.delivery_settings SET timeout_ms = 5000, retry_base = '0';
   UPDATE anomaly.alert_outbox SET next_attempt_at = now() WHERE status = 'pending'" >/dev/null
deliver

# -- 8. two senders at once share the work; non-ASCII reaches the e-mail intact --------------
control '{"delay_seconds": 0.05}'
for d in 03-11 03-12 03-13 03-14 03-15; do
  q "SELECT delivery_suite.incident('suite_revenue', '{\"region\": \"Zürich\"}', 'critical', '2024-$d', 5)" >/dev/null
done
PGAPPNAME=suite_sender_a psql -X -q -c "CALL anomaly.deliver_alerts()" >"$tmp/sender_a.out" 2>&1 & sa=$!
PGAPPNAME=suite_sender_b psql -X -q -c "CALL anomaly.deliver_alerts()" >"$tmp/sender_b.out" 2>&1 & sb=$!
wait "$sa" && wait "$sb" || fail "a concurrent sender failed: $(cat "$tmp/sender_a.out" "$tmp/sender_b.out")"
control '{"reset": true}'
both=$(cat "$tmp/sender_a.out" "$tmp/sender_b.out" | $py -c "import re,sys; print(sum(1 for l in sys.stdin if re.match(r'\s+[1-9]\d* \|', l)))")
r=$(q "SELECT count(*) FILTER (WHERE o.status = 'sent') || '/' || count(*) FROM anomaly.alert_outbox o JOIN anomaly.anomaly_log l ON l.id = o.alert_id
        WHERE l.series = '{\"region\": \"Zürich\"}'")
[ "$r" = "20/20" ] && ok "two concurrent senders sent all 20 messages (senders that sent something: $both)" || fail "concurrent: $r"
subj=$($py - "$smtp_log" <<'PY'
import email, email.policy, json, sys
for line in open(sys.argv[1]):
    m = email.message_from_string(json.loads(line)["data"], policy=email.policy.default)
    if "Zürich" in str(m["Subject"]):
        print(str(m["Subject"]), "|", "region=Zürich" in m.get_body(preferencelist=("plain",)).get_content())
        break
PY
)
[ "$subj" = "[CRITICAL] suite_revenue [region=Zürich]: anomaly, 5 vs expected 1000 (-99.5 %) | True" ] \
  && ok "UTF-8 subject (RFC 2047) and body decode to the original text" || fail "UTF-8 e-mail: $subj"

# -- 9. every message accepted exactly once -------------------------------------------------
$py "$check" tally "$http_log" "$smtp_log" >"$tmp/tally"
q "SELECT idempotency_key, attempts, status FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id
    WHERE c.name LIKE 'suite %' ORDER BY 1" >"$tmp/outbox"
r=$($py - "$tmp/tally" "$tmp/outbox" <<'PY'
import sys
tally = {l.split()[0]: (int(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[1])}
problems, extra = [], 0
for line in open(sys.argv[2]):
    key, attempts, status = line.strip().split("|")
    req, ok = tally.pop(key, (0, 0))
    if status == "sent" and ok != 1:
        problems.append(f"{key} accepted {ok} times")
    if status == "dead" and ok != 0:
        problems.append(f"dead {key} accepted {ok} times")
    if req != int(attempts):
        extra += req - int(attempts)
        if req - int(attempts) != 1:
            problems.append(f"{key}: {req} requests for {attempts} attempts")
if tally:
    problems.append(f"requests with unknown keys: {sorted(tally)}")
print("; ".join(problems) if problems else f"ok {extra}")
PY
)
[ "$r" = "ok 1" ] && ok "every sent message accepted exactly once; one request per attempt, plus the one cut by the kill" \
  || fail "exactly-once check: $r"

echo "$failures failures"
[ "$failures" = 0 ]
