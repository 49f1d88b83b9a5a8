-- Alert delivery, the SQL side: a data team declares where alerts go (Slack,
-- a webhook, PagerDuty, e-mail), run_checks and the lifecycle functions queue
-- one message per channel in the transaction that opens, escalates or
-- resolves an incident, and the messages carry what a person needs. Sending
-- over the network is tested by test/suites/20_delivery.sh (loopback
-- receiver and SMTP sink); here it only meets closed ports.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;

-- run_checks as this story calls it: its summary without the duration (which varies).
CREATE PROCEDURE pg_temp.run_checks(as_of timestamptz, metrics text[],
        INOUT metrics_checked int DEFAULT NULL, INOUT points_scored bigint DEFAULT NULL,
        INOUT alerts_opened int DEFAULT NULL, INOUT alerts_extended int DEFAULT NULL,
        INOUT suppressed int DEFAULT NULL, INOUT auto_resolved int DEFAULT NULL, INOUT metrics_failed int DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE d interval;
BEGIN
    CALL anomaly.run_checks(as_of, metrics, metrics_checked, points_scored, alerts_opened, alerts_extended,
                            suppressed, auto_resolved, metrics_failed, d);
END $$;

-- 1. Channels. Each kind checks what it needs; errors never echo a secret.
SELECT anomaly.add_channel('ops slack', 'slack', 'https://hooks.slack.com/services/T000/B000/XXXX') AS slack_id \gset
SELECT anomaly.add_channel('bi hook', 'webhook', 'https://bi.example.com/hooks/anomaly') AS hook_id \gset
SELECT anomaly.add_channel('on-call', 'pagerduty', '0123456789abcdef0123456789abcdef') AS pager_id \gset
SELECT anomaly.add_channel('team mail', 'email', target => 'ops@example.com, bi@example.com',
                           options => '{"smtp_url": "smtp://127.0.0.1:1", "smtp_user": "alerts"}') AS mail_id \gset
-- The defaults: critical and warning at once, warning also in the daily
-- digest, info in the weekly one; PagerDuty pages for critical only.
SELECT name, kind, target, severities, immediate, daily_digest, weekly_digest, metrics
FROM anomaly.channels ORDER BY id;

\set VERBOSITY terse
SELECT anomaly.add_channel('x', 'teams', 'https://example.com');
SELECT anomaly.add_channel('x', 'slack');
SELECT anomaly.add_channel('x', 'slack', 'hooks.slack.com/services/T000/B000/XXXX');
SELECT anomaly.add_channel('x', 'pagerduty', 'not a key!');
SELECT anomaly.add_channel('x', 'pagerduty', '0123456789abcdef0123456789abcdef', daily_digest => '{critical}');
SELECT anomaly.add_channel('x', 'email', target => 'ops@example.com');
SELECT anomaly.add_channel('x', 'email', target => 'ops at example.com', options => '{"smtp_url": "smtp://mail:25"}');
SELECT anomaly.add_channel('x', 'webhook', 'https://example.com', severities => '{critical}', immediate => '{warning}');
SELECT anomaly.add_channel('x', 'webhook', 'https://example.com', severities => '{fatal}');
SELECT anomaly.add_channel('x', 'webhook', 'https://example.com', time_zone => 'Mars/Olympus');
SELECT anomaly.add_channel('ops slack', 'webhook', 'https://example.com');
UPDATE anomaly.channel_secrets SET headers = '{"X-Token": "a\nb"}' WHERE channel_id = :hook_id;
\set VERBOSITY default
-- Narrower severities narrow the defaults with them.
SELECT anomaly.add_channel('critical only', 'slack', 'https://hooks.slack.com/services/T1/B1/Y', severities => '{critical}') AS crit_id \gset
SELECT severities, immediate, daily_digest, weekly_digest FROM anomaly.channels WHERE id = :crit_id;
DELETE FROM anomaly.channels WHERE id = :crit_id;

-- 2. A metric checked by run_checks: a drop on Feb 19 opens an incident, and
-- the same transaction queues its messages (an incident that is already over
-- when first seen, like the one a first run finds in old data, is not sent).
UPDATE anomaly.delivery_settings SET installation = 'regress',
       link_template = 'https://bi.example.com/metric/{metric}?from={first_ts}';
SELECT (anomaly.delivery_config()).installation IS NOT NULL AS settings_row_written;
UPDATE anomaly.delivery_settings SET installation = 'regress',
       link_template = 'https://bi.example.com/metric/{metric}?from={first_ts}';
CREATE SCHEMA shop_delivery;
CREATE TABLE shop_delivery.daily (day date PRIMARY KEY, amount numeric NOT NULL);
INSERT INTO shop_delivery.daily
SELECT d::date, CASE WHEN d IN ('2024-01-20', '2024-02-19') THEN 400 ELSE 1000 + ((i * 37) % 11 - 5) * 8 END
FROM generate_series(timestamp '2024-01-01', '2024-02-20', '1 day') WITH ORDINALITY AS g(d, i);
SELECT anomaly.add_metric('delivery revenue', source => 'shop_delivery.daily'::regclass, time_column => 'day',
                          value_column => 'amount', frequency => '1 day', good_direction => 'up',
                          time_zone => 'UTC') AS metric_id \gset
UPDATE anomaly.rules SET severity = 'critical', playbook = ARRAY['Check the payment provider', 'Compare with orders & sessions']
 WHERE metric_id = :metric_id AND name = 'deviation';
CALL pg_temp.run_checks('2024-02-21 06:00+00', ARRAY['delivery revenue']);
SELECT first_ts::date, status, severity FROM anomaly.anomaly_log WHERE metric_id = :metric_id ORDER BY first_ts;
SELECT id AS alert_id FROM anomaly.anomaly_log WHERE metric_id = :metric_id AND status = 'triggered' \gset
SELECT c.name AS channel, o.event, o.cycle, o.severity, o.status, o.attempts,
       regexp_replace(o.idempotency_key, ':alert:\d+:(.*):channel:\d+', ':alert:<id>:\1:channel:<id>') AS idempotency_key
FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id ORDER BY o.id;

-- What each kind carries. The webhook body is the alert document:
SELECT jsonb_pretty(o.payload - 'alert_id' - 'idempotency_key') AS webhook_body
FROM anomaly.alert_outbox o WHERE o.channel_id = :hook_id;
-- Slack: a notification text and blocks; secrets are not in the outbox.
SELECT o.payload->>'text' AS text, jsonb_path_query_array(o.payload, '$.blocks[*].type') AS blocks,
       o.payload::text LIKE '%hooks.slack.com%' AS has_url
FROM anomaly.alert_outbox o WHERE o.channel_id = :slack_id;
-- PagerDuty: an Events API v2 trigger keyed by the incident, without its routing key.
SELECT o.payload->>'event_action' AS action, regexp_replace(o.payload->>'dedup_key', '\d+$', '<id>') AS dedup_key,
       o.payload#>>'{payload,severity}' AS severity, o.payload#>>'{payload,summary}' AS summary,
       o.payload ? 'routing_key' AS has_routing_key
FROM anomaly.alert_outbox o WHERE o.channel_id = :pager_id;
-- E-mail: subject, recipients and the plain-text part.
SELECT o.payload->>'subject' AS subject, o.payload->'to' AS "to", regexp_replace(o.payload->>'text', 'alert \d+', 'alert <id>') AS text
FROM anomaly.alert_outbox o WHERE o.channel_id = :mail_id;

-- 3. Escalation goes to the channels that got the opening; so does the
-- resolution, here by run_checks when three normal days followed.
SELECT status FROM anomaly.escalate(:alert_id, 'revenue team paged');
INSERT INTO shop_delivery.daily VALUES ('2024-02-21', 1010), ('2024-02-22', 990), ('2024-02-23', 1000);
CALL pg_temp.run_checks('2024-02-24 06:00+00', ARRAY['delivery revenue']);
SELECT status, resolution FROM anomaly.anomaly_log WHERE id = :alert_id;
SELECT c.name AS channel, o.event, o.cycle,
       CASE c.kind WHEN 'pagerduty' THEN o.payload->>'event_action' ELSE o.payload->>'title' END AS what
FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id
WHERE o.event <> 'opened' ORDER BY o.id;
SELECT o.payload = jsonb_build_object('event_action', 'resolve', 'dedup_key', 'anomaly_detect:regress:alert:' || :alert_id)
       AS pagerduty_resolve_has_the_same_dedup_key
FROM anomaly.alert_outbox o WHERE o.channel_id = :pager_id AND o.event = 'resolved';
-- A state is queued once: the same change again queues nothing, a re-opened
-- incident starts a new cycle with new keys.
UPDATE anomaly.anomaly_log SET status = 'resolved' WHERE id = :alert_id;
UPDATE anomaly.anomaly_log SET status = 'triggered' WHERE id = :alert_id;
SELECT o.event, o.cycle, count(*) FROM anomaly.alert_outbox o GROUP BY 1, 2 ORDER BY 2, 1;
SELECT count(DISTINCT o.idempotency_key) = count(*) AS keys_unique FROM anomaly.alert_outbox o;
-- An open incident that late data withdraws (run_checks deletes it) is
-- closed on the channels that heard of it.
INSERT INTO anomaly.anomaly_log (metric_id, rule_ids, rules, first_ts, last_ts, points, status, severity, peak_ts, message)
VALUES (:metric_id, '{}', '[]', '2024-02-10', '2024-02-10', 1, 'triggered', 'critical', '2024-02-10', 'withdrawn later')
RETURNING id AS withdrawn_id \gset
DELETE FROM anomaly.anomaly_log WHERE id = :withdrawn_id;
SELECT c.kind, o.event, o.payload->>'resolution' AS resolution, o.payload#>>'{rule,text}' AS rule
FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id
WHERE o.alert_id = :withdrawn_id AND o.event = 'resolved' AND c.kind = 'webhook';
DELETE FROM anomaly.alert_outbox WHERE alert_id = :withdrawn_id;
-- An open warning whose severity rises to critical reaches PagerDuty then;
-- the channels that already had it get nothing new.
INSERT INTO anomaly.anomaly_log (metric_id, rule_ids, rules, first_ts, last_ts, points, status, severity, peak_ts, message)
VALUES (:metric_id, '{}', '[]', '2024-02-11', '2024-02-11', 1, 'triggered', 'warning', '2024-02-11', 'rising')
RETURNING id AS rising_id \gset
UPDATE anomaly.anomaly_log SET severity = 'critical', points = 2 WHERE id = :rising_id;
UPDATE anomaly.anomaly_log SET severity = 'warning' WHERE id = :rising_id;
SELECT c.kind, o.event, o.cycle, o.severity FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id
WHERE o.alert_id = :rising_id ORDER BY o.id;
DELETE FROM anomaly.anomaly_log WHERE id = :rising_id;
DELETE FROM anomaly.alert_outbox WHERE alert_id = :rising_id;

-- 4. Root causes (anomaly_log.root_causes, when the installation has that
-- column) appear in the message, top three by rank.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'anomaly.anomaly_log'::regclass
                   AND attname = 'root_causes' AND NOT attisdropped) THEN
        ALTER TABLE anomaly.anomaly_log ADD COLUMN root_causes jsonb;
        CREATE TABLE pg_temp.added_root_causes ();
    END IF;
END $$;
UPDATE anomaly.anomaly_log SET root_causes = '[
  {"rank": 2, "kind": "related_metric", "metric": "orders", "series": {}, "score": 0.81, "evidence": {}},
  {"rank": 1, "kind": "dimension", "metric": "delivery revenue", "series": {"region": "EU"}, "score": 0.93, "evidence": {}},
  {"rank": 4, "kind": "formula_term", "metric": "conversion", "series": {}, "score": 0.2, "evidence": {}},
  {"rank": 3, "kind": "related_metric", "metric": "sessions", "series": {}, "score": 0.35, "evidence": {}}]'
 WHERE id = :alert_id;
SELECT s AS root_cause_lines
FROM anomaly.anomaly_log l, LATERAL jsonb_array_elements_text(anomaly.cause_lines(
         anomaly.alert_document(l, 'opened', anomaly.delivery_config())->'root_causes')) AS s
WHERE l.id = :alert_id;
SELECT jsonb_path_query_array(anomaly.render_slack(anomaly.alert_document(l, 'opened', anomaly.delivery_config())),
                              '$.blocks[*].text.text ? (@ starts with "*Likely")') AS slack_causes
FROM anomaly.anomaly_log l WHERE l.id = :alert_id;
DO $$
BEGIN
    IF to_regclass('pg_temp.added_root_causes') IS NOT NULL THEN
        ALTER TABLE anomaly.anomaly_log DROP COLUMN root_causes;
    END IF;
END $$;

-- 5. Delivering against closed ports: every message fails, stays pending with
-- its error and waits for its back-off; nothing is lost.
UPDATE anomaly.channel_secrets SET secret = 'http://127.0.0.1:1/hook' WHERE channel_id IN (:slack_id, :hook_id);
UPDATE anomaly.channels SET target = 'http://127.0.0.1:1/pagerduty' WHERE id = :pager_id;
CALL anomaly.deliver_alerts();
SELECT c.kind, o.status, o.attempts, o.last_status, o.last_error ~ '(connect|Connection refused)' AS refused,
       o.next_attempt_at > now() AS backing_off
FROM anomaly.alert_outbox o JOIN anomaly.channels c ON c.id = o.channel_id
WHERE o.cycle = 0 AND o.event = 'opened' ORDER BY o.id;
-- A message that reached max_attempts goes to the dead-letter state.
UPDATE anomaly.delivery_settings SET max_attempts = 2;
UPDATE anomaly.alert_outbox SET next_attempt_at = now() - interval '1 second' WHERE status = 'pending';
CALL anomaly.deliver_alerts(max_messages => 3);
SELECT o.status, o.attempts, count(*) FROM anomaly.alert_outbox o GROUP BY 1, 2 ORDER BY 1, 2;

-- 6. Digests: warnings opened yesterday, listed per metric, queued once.
UPDATE anomaly.anomaly_log SET severity = 'warning', created_at = '2024-02-21 09:00+00' WHERE id = :alert_id;
UPDATE anomaly.channels SET enabled = false WHERE id <> :hook_id;
SELECT anomaly.enqueue_digests('2024-02-22 07:00+00') AS queued, anomaly.enqueue_digests('2024-02-22 08:00+00') AS again;
SELECT o.event, o.period, o.payload->>'title' AS title, o.payload#>>'{metrics,0,text}' AS text
FROM anomaly.alert_outbox o WHERE o.event LIKE '%digest';

-- 7. Who sees what: readers see the channels, never their secrets nor the
-- outbox; administrators work the whole flow.
SET ROLE anomaly_reader;
SELECT count(*) AS channels_visible FROM anomaly.channels;
SELECT secret FROM anomaly.channel_secrets;
SELECT count(*) FROM anomaly.alert_outbox;
SELECT * FROM anomaly.curl_http_post('http://127.0.0.1:1/', '{}', '{}', 1000);
CALL anomaly.deliver_alerts();
RESET ROLE;
SET ROLE anomaly_admin;
SELECT count(*) AS secrets_visible FROM anomaly.channel_secrets;
SELECT status FROM anomaly.resolve(:alert_id, 'done');
SELECT count(*) AS resolutions_queued_by_admin FROM anomaly.alert_outbox WHERE event = 'resolved' AND cycle = 1;
RESET ROLE;

-- The transport's own argument checks.
SELECT * FROM anomaly.curl_http_post('', '{}', '{}', 1000);
SELECT * FROM anomaly.curl_http_post('http://127.0.0.1:1/', '{}', '{}', 0);
SELECT * FROM anomaly.curl_http_post('http://127.0.0.1:1/', '{}', ARRAY[NULL], 1000);
SELECT * FROM anomaly.curl_smtp_send('smtp://127.0.0.1:1', '', '', 'a@example.com', '{}', '{}', 'x', 1000);
SELECT status, error FROM anomaly.curl_http_post('gopher://127.0.0.1:1/', '{}', '{}', 1000);
SELECT anomaly.url_encode('revenue €/day?'), anomaly.mime_header_value(E'Umsatz €\nBcc: x'),
       anomaly.mime_header_value('plain ascii');

-- 8. Supabase: the extension may not open sockets there, pg_net posts the
-- outbox instead. A stand-in for the two pg_net objects the recipe of
-- docs/drafts/delivery.md uses (net.http_post, net._http_response), then the
-- recipe itself.
CREATE SCHEMA net;
CREATE TABLE net._http_response (id bigint, status_code int, content text, timed_out bool, error_msg text);
CREATE TABLE net.posted (id bigserial, url text, body jsonb, headers jsonb);
CREATE FUNCTION net.http_post(url text, body jsonb DEFAULT '{}', params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}',
                              timeout_milliseconds int DEFAULT 5000) RETURNS bigint
LANGUAGE sql AS $$ INSERT INTO net.posted (url, body, headers) VALUES (url, body, headers) RETURNING id $$;

CREATE TABLE public.anomaly_pg_net_inflight (
    outbox_id  bigint PRIMARY KEY,
    request_id bigint NOT NULL,
    posted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION public.anomaly_pg_net_drain(batch int DEFAULT 100) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    resp record;
    o anomaly.alert_outbox;
    req record;
    n int := 0;
BEGIN
    -- 1. Record the answers to earlier posts.
    FOR resp IN SELECT f.outbox_id, r.status_code, r.content, r.timed_out, r.error_msg
                  FROM public.anomaly_pg_net_inflight f JOIN net._http_response r ON r.id = f.request_id
    LOOP
        PERFORM anomaly.record_attempt(
            resp.outbox_id, coalesce(resp.status_code, 0),
            CASE WHEN resp.error_msg IS NOT NULL OR resp.timed_out THEN coalesce(resp.error_msg, 'timed out')
                 WHEN resp.status_code NOT BETWEEN 200 AND 299
                     THEN 'HTTP ' || resp.status_code || coalesce(': ' || left(resp.content, 300), '') END,
            anomaly.http_permanent_failure(resp.status_code));
        DELETE FROM public.anomaly_pg_net_inflight WHERE outbox_id = resp.outbox_id;
    END LOOP;
    -- Posts without an answer after an hour (pg_net lost them) are posted again.
    DELETE FROM public.anomaly_pg_net_inflight WHERE posted_at < now() - interval '1 hour';
    -- 2. Queue the digests that are due, post what is due (not e-mail: pg_net speaks HTTP only).
    PERFORM anomaly.enqueue_digests(now());
    FOR o IN SELECT x.* FROM anomaly.alert_outbox x JOIN anomaly.channels c ON c.id = x.channel_id
              WHERE x.status = 'pending' AND x.next_attempt_at <= now() AND c.enabled AND c.kind <> 'email'
                AND NOT EXISTS (SELECT FROM public.anomaly_pg_net_inflight f WHERE f.outbox_id = x.id)
              ORDER BY x.id LIMIT batch
              FOR UPDATE OF x SKIP LOCKED
    LOOP
        SELECT * INTO req FROM anomaly.outbox_http_request(o);
        INSERT INTO public.anomaly_pg_net_inflight (outbox_id, request_id)
        VALUES (o.id, net.http_post(url => req.url, body => req.body, headers => req.headers,
                                    timeout_milliseconds => 10000));
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

UPDATE anomaly.channels SET enabled = true;
UPDATE anomaly.delivery_settings SET max_attempts = 8;
UPDATE anomaly.alert_outbox SET next_attempt_at = now() - interval '1 second' WHERE status = 'pending';
CREATE TEMP TABLE attempts_before AS SELECT id, attempts AS before FROM anomaly.alert_outbox;
SELECT public.anomaly_pg_net_drain() AS posted, public.anomaly_pg_net_drain() AS posted_again;
SELECT p.url, p.headers - 'Idempotency-Key' AS headers, p.body->>'event_action' AS action, p.body ? 'routing_key' AS routed
FROM net.posted p ORDER BY p.id LIMIT 3;
-- pg_net's answers: accepted, refused for good, a server error, a timeout.
INSERT INTO net._http_response (id, status_code, content, timed_out, error_msg)
SELECT p.id, (ARRAY[200, 404, 500, NULL])[1 + (row_number() OVER (ORDER BY p.id) - 1) % 4], 'answer', NULL,
       CASE WHEN (row_number() OVER (ORDER BY p.id) - 1) % 4 = 3 THEN 'Timeout was reached' END
FROM net.posted p;
SELECT public.anomaly_pg_net_drain() AS posted_after_answers;
SELECT r.status_code, r.error_msg, o.status, o.attempts - a.before AS new_attempts, o.last_error, count(*)
FROM net.posted p JOIN net._http_response r ON r.id = p.id
JOIN anomaly.alert_outbox o ON o.idempotency_key = p.headers->>'Idempotency-Key'
JOIN pg_temp.attempts_before a ON a.id = o.id
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2;
DROP FUNCTION public.anomaly_pg_net_drain(int);
DROP TABLE public.anomaly_pg_net_inflight;
DROP SCHEMA net CASCADE;

-- 9. Scheduling, next to the checks: one pg_cron job that runs CALL anomaly.deliver_alerts().
SELECT anomaly.schedule_delivery();
CREATE EXTENSION pg_cron;
SELECT anomaly.schedule_delivery() > 0 AS scheduled, anomaly.schedule_delivery('*/2 * * * *') > 0 AS rescheduled;
SELECT jobname, schedule, command FROM cron.job ORDER BY jobid;
SELECT anomaly.schedule_delivery('every minute');
SELECT anomaly.unschedule_delivery() AS removed, anomaly.unschedule_delivery() AS removed_again;
DROP EXTENSION pg_cron;

-- Clean up.
DELETE FROM anomaly.channels;
DELETE FROM anomaly.metrics WHERE id = :metric_id;
DELETE FROM anomaly.alert_audit a WHERE NOT EXISTS (SELECT FROM anomaly.metrics m WHERE m.id = a.metric_id);
DELETE FROM anomaly.delivery_settings;
DROP SCHEMA shop_delivery CASCADE;
