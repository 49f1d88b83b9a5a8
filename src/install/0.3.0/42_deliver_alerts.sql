---------------------------------------------------------------------------
-- Alert delivery, part 3: sending. anomaly.deliver_alerts() queues the
-- digests that are due, then sends every pending message whose time has come
-- through libcurl (HTTP POST JSON, SMTP), one message per transaction: the
-- message is claimed FOR UPDATE SKIP LOCKED, sent, marked, committed. A
-- sender killed mid-batch loses nothing (its message stays pending and is
-- sent again, with the same idempotency key); two senders never send the same
-- message at once.
---------------------------------------------------------------------------

-- The transport (src/pg/curl_functions.cpp). Not for general use: it posts
-- wherever it is told (administrators only, see 99_access.sql).
CREATE FUNCTION anomaly.curl_http_post(url pg_catalog.text, body pg_catalog.text, headers pg_catalog.text[],
                                       timeout_ms pg_catalog.int4,
                                       OUT status pg_catalog.int4, OUT response pg_catalog.text, OUT error pg_catalog.text)
    RETURNS record
    AS 'MODULE_PATHNAME', 'anomaly_curl_http_post'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE COST 10000;

COMMENT ON FUNCTION anomaly.curl_http_post(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.int4) IS
'Transport of deliver_alerts: POSTs body to an http(s) URL with the given header lines ("Name: value"), within timeout_ms (1..300000), following no redirect. Returns the HTTP status (0 without a response), the first 2000 bytes of the response and curl''s error text (NULL on a completed exchange, whatever its status); never raises for a failed transfer. A cancel or terminate aborts the transfer.';

CREATE FUNCTION anomaly.curl_smtp_send(url pg_catalog.text, username pg_catalog.text, password pg_catalog.text,
                                       mail_from pg_catalog.text, recipients pg_catalog.text[],
                                       headers pg_catalog.text[], body pg_catalog.text, timeout_ms pg_catalog.int4,
                                       OUT status pg_catalog.int4, OUT response pg_catalog.text, OUT error pg_catalog.text)
    RETURNS record
    AS 'MODULE_PATHNAME', 'anomaly_curl_smtp_send'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE COST 10000;

COMMENT ON FUNCTION anomaly.curl_smtp_send(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text[], pg_catalog.text, pg_catalog.int4) IS
'Transport of deliver_alerts: sends one e-mail through smtp:// or smtps:// (MAIL FROM mail_from, RCPT TO each recipient) as a MIME message with the header lines given and one text/plain UTF-8 part (quoted-printable). With a username, smtp:// must upgrade with STARTTLS. Returns the last SMTP reply code, nothing as response, and curl''s error text (NULL when accepted).';

-- A header value as RFC 2047 wants it: one line, non-ASCII base64-encoded.
CREATE FUNCTION anomaly.mime_header_value(s pg_catalog.text)
    RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN regexp_replace(s, '[\r\n]+', ' ', 'g') ~ '^[\x20-\x7e]*$' THEN regexp_replace(s, '[\r\n]+', ' ', 'g')
                ELSE '=?UTF-8?B?' || translate(encode(convert_to(regexp_replace(s, '[\r\n]+', ' ', 'g'), 'UTF8'), 'base64'), E'\n', '') || '?=' END;

COMMENT ON FUNCTION anomaly.mime_header_value(pg_catalog.text) IS 'A text as an e-mail header value: line breaks removed, non-ASCII as an RFC 2047 encoded word.';

-- Digests -------------------------------------------------------------------

CREATE FUNCTION anomaly.digest_document(c anomaly.channels, kind pg_catalog.text, period pg_catalog.tstzrange,
                                        cfg anomaly.delivery_settings)
    RETURNS pg_catalog.jsonb
    LANGUAGE plpgsql STABLE
    -- Payloads do not depend on the session that queues them.
    SET search_path = pg_catalog, pg_temp
    SET IntervalStyle = postgres
    SET extra_float_digits = 1
AS $$
DECLARE
    sevs text[] := ARRAY(SELECT s FROM unnest(CASE kind WHEN 'daily_digest' THEN c.daily_digest ELSE c.weekly_digest END) s
                          WHERE s = ANY (c.severities));
    period_text text := CASE kind WHEN 'daily_digest' THEN to_char(lower(period) AT TIME ZONE c.time_zone, 'YYYY-MM-DD')
                              ELSE to_char(lower(period) AT TIME ZONE c.time_zone, 'YYYY-MM-DD') || ' .. '
                                   || to_char((upper(period) AT TIME ZONE c.time_zone) - interval '1 day', 'YYYY-MM-DD') END;
    per_metric jsonb;
    total int;
BEGIN
    IF sevs = '{}' THEN
        RETURN NULL;
    END IF;
    WITH a AS (
        SELECT l AS log_row, l.*, m.name AS metric, anomaly.series_label(l.series) AS series_label,
               CASE l.severity WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END AS sev
        FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
        WHERE l.created_at >= lower(period) AND l.created_at < upper(period)
          AND l.status <> 'suppressed' AND l.severity = ANY (sevs)
          AND (c.metrics = '{}' OR m.name = ANY (c.metrics))
    ), g AS (
        SELECT a.metric, count(*) AS n,
               count(*) FILTER (WHERE a.status IN ('triggered', 'investigating', 'escalated')) AS still_open,
               jsonb_object_agg(a.severity, 1) AS sev_keys,
               jsonb_agg(jsonb_build_object('alert_id', a.id, 'severity', a.severity, 'status', a.status,
                                            'series', a.series, 'first_ts', anomaly.iso_utc(a.first_ts),
                                            'message', a.message, 'link', anomaly.alert_link(cfg.link_template, a.log_row, a.metric))
                         ORDER BY a.sev DESC, a.first_ts, a.id) AS items,
               string_agg('- [' || a.severity || '] ' || a.message
                          || CASE WHEN a.status IN ('triggered', 'investigating', 'escalated') THEN ' (' || a.status || ')'
                                  ELSE ' (' || replace(a.status, '_', ' ') || ')' END, E'\n'
                          ORDER BY a.sev DESC, a.first_ts, a.id) AS lines,
               (SELECT string_agg(cnt || ' ' || s, ', ' ORDER BY CASE s WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END)
                  FROM (SELECT b.severity AS s, count(*) AS cnt FROM a b WHERE b.metric = a.metric GROUP BY b.severity) AS x) AS by_sev
        FROM a GROUP BY a.metric
    )
    SELECT jsonb_agg(jsonb_build_object(
               'metric', g.metric, 'alerts', g.n, 'still_open', g.still_open, 'items', g.items,
               'text', g.metric || ': ' || g.n || CASE WHEN g.n = 1 THEN ' alert' ELSE ' alerts' END
                       || ' (' || g.by_sev || ')'
                       || CASE WHEN g.still_open > 0 THEN ', ' || g.still_open || ' still open' ELSE '' END
                       || E'\n' || g.lines)
               ORDER BY g.n DESC, g.metric),
           sum(g.n)
      INTO per_metric, total
      FROM g;
    IF per_metric IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object(
        'type', 'digest',
        'event', kind,
        'title', CASE kind WHEN 'daily_digest' THEN 'Daily' ELSE 'Weekly' END || ' anomaly digest ' || period_text || ': '
                 || total || CASE WHEN total = 1 THEN ' alert' ELSE ' alerts' END || ' on '
                 || jsonb_array_length(per_metric) || CASE WHEN jsonb_array_length(per_metric) = 1 THEN ' metric' ELSE ' metrics' END,
        'period', jsonb_build_object('from', anomaly.iso_utc(lower(period)), 'to', anomaly.iso_utc(upper(period)),
                                     'text', period_text, 'time_zone', c.time_zone),
        'severities', to_jsonb(sevs),
        'alerts', total,
        'metrics', per_metric,
        'text', (SELECT string_agg(x->>'text', E'\n\n' ORDER BY o) FROM jsonb_array_elements(per_metric) WITH ORDINALITY AS u(x, o))
                || E'\n\n-- \nanomaly_detect\n');
END;
$$;

COMMENT ON FUNCTION anomaly.digest_document(anomaly.channels, pg_catalog.text, pg_catalog.tstzrange, anomaly.delivery_settings) IS
'The daily or weekly digest of a channel over a period: the incidents opened in it (created_at; not suppressed) with the digest''s severities, grouped per metric (most alerts first) with counts per severity, how many are still open and one line per alert. NULL when there is nothing to report.';

CREATE FUNCTION anomaly.enqueue_digests(as_of pg_catalog.timestamptz)
    RETURNS pg_catalog.int4
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg anomaly.delivery_settings := anomaly.delivery_config();
    c anomaly.channels;
    kind text;
    due tstzrange;
    doc jsonb;
    key text;
    new_id bigint;
    n int := 0;
BEGIN
    FOR c IN SELECT * FROM anomaly.channels x WHERE x.enabled AND (x.daily_digest <> '{}' OR x.weekly_digest <> '{}') ORDER BY x.id LOOP
        FOREACH kind IN ARRAY ARRAY['daily_digest', 'weekly_digest'] LOOP
            -- The last complete day (week, from Monday) in the channel's time zone.
            due := tstzrange(
                (date_trunc(CASE kind WHEN 'daily_digest' THEN 'day' ELSE 'week' END, as_of AT TIME ZONE c.time_zone)
                 - CASE kind WHEN 'daily_digest' THEN interval '1 day' ELSE interval '1 week' END) AT TIME ZONE c.time_zone,
                date_trunc(CASE kind WHEN 'daily_digest' THEN 'day' ELSE 'week' END, as_of AT TIME ZONE c.time_zone) AT TIME ZONE c.time_zone,
                '[)');
            CONTINUE WHEN EXISTS (SELECT FROM anomaly.alert_outbox o
                                   WHERE o.channel_id = c.id AND o.event = kind AND o.period = due);
            doc := anomaly.digest_document(c, kind, due, cfg);
            CONTINUE WHEN doc IS NULL;
            key := 'anomaly_detect:' || cfg.installation || ':' || kind || ':' || anomaly.iso_utc(lower(due))
                   || ':channel:' || c.id;
            INSERT INTO anomaly.alert_outbox AS o (channel_id, event, period, idempotency_key, payload)
            VALUES (c.id, kind, due, key,
                    anomaly.render_message_for(c.kind, c.target, doc || jsonb_build_object('idempotency_key', key), NULL))
            ON CONFLICT DO NOTHING
            RETURNING o.id INTO new_id;
            IF new_id IS NOT NULL THEN
                n := n + 1;
                PERFORM pg_notify('anomaly_alert', json_build_object('outbox_id', new_id, 'channel_id', c.id,
                                                                     'event', kind)::text);
            END IF;
        END LOOP;
    END LOOP;
    RETURN n;
END;
$$;

COMMENT ON FUNCTION anomaly.enqueue_digests(pg_catalog.timestamptz) IS
'Queues, once per channel and period, the daily digest of the last complete day and the weekly digest of the last complete Monday-to-Sunday week before as_of (in each channel''s time zone), when they list any alert. Called by deliver_alerts; returns the number queued.';

-- Sending one message -------------------------------------------------------

CREATE FUNCTION anomaly.claim_outbox_message(after_id pg_catalog.int8)
    RETURNS anomaly.alert_outbox
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT o.* FROM anomaly.alert_outbox o
     WHERE o.status = 'pending' AND o.next_attempt_at <= clock_timestamp() AND o.id > after_id
       AND EXISTS (SELECT FROM anomaly.channels c WHERE c.id = o.channel_id AND c.enabled)
     ORDER BY o.id
     LIMIT 1
     FOR UPDATE OF o SKIP LOCKED;
END;

COMMENT ON FUNCTION anomaly.claim_outbox_message(pg_catalog.int8) IS
'The next pending message after after_id whose time has come (enabled channels only), locked FOR UPDATE SKIP LOCKED until the caller commits; NULL when there is none.';

-- The HTTP request of one message (every kind but email), with its secrets.
-- Shared by send_outbox_message and the pg_net recipe (docs: Supabase).
CREATE FUNCTION anomaly.outbox_http_request(o anomaly.alert_outbox,
                                            OUT url pg_catalog.text, OUT headers pg_catalog.jsonb, OUT body pg_catalog.jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c anomaly.channels;
    s anomaly.channel_secrets;
BEGIN
    SELECT * INTO c FROM anomaly.channels x WHERE x.id = o.channel_id;
    IF c.kind = 'email' THEN
        RAISE EXCEPTION 'channel "%" sends e-mail, not HTTP', c.name USING ERRCODE = '22023';
    END IF;
    SELECT * INTO s FROM anomaly.channel_secrets x WHERE x.channel_id = o.channel_id;
    IF s.secret IS NULL THEN
        RAISE EXCEPTION 'channel "%" has no secret', c.name USING ERRCODE = '22023',
            HINT = format('INSERT INTO anomaly.channel_secrets (channel_id, secret) VALUES (%s, ...);', c.id);
    END IF;
    url := CASE c.kind WHEN 'pagerduty' THEN c.target ELSE s.secret END;
    headers := s.headers || jsonb_build_object('Content-Type', 'application/json', 'Idempotency-Key', o.idempotency_key);
    body := CASE c.kind WHEN 'pagerduty' THEN o.payload || jsonb_build_object('routing_key', s.secret) ELSE o.payload END;
END;
$$;

COMMENT ON FUNCTION anomaly.outbox_http_request(anomaly.alert_outbox) IS
'The HTTP POST of an outbox message (slack, webhook, pagerduty): URL (the secret URL, or the PagerDuty Events API URL), headers (the channel''s extra headers, Content-Type: application/json, Idempotency-Key) and JSON body (PagerDuty: with its routing_key). Contains secrets. 22023 for an e-mail channel or a missing secret.';

CREATE FUNCTION anomaly.http_permanent_failure(status pg_catalog.int4)
    RETURNS pg_catalog.bool
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN coalesce(status BETWEEN 400 AND 499 AND status NOT IN (408, 425, 429), false);

COMMENT ON FUNCTION anomaly.http_permanent_failure(pg_catalog.int4) IS
'Whether an HTTP status means the receiver refuses the message itself, so retrying cannot help: 4xx except 408, 425 and 429.';

CREATE FUNCTION anomaly.send_outbox_message(o anomaly.alert_outbox, cfg anomaly.delivery_settings,
                                            OUT status pg_catalog.int4, OUT error pg_catalog.text,
                                            OUT permanent pg_catalog.bool)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c anomaly.channels;
    r record;
    req record;
    sender text;
BEGIN
    status := 0;
    permanent := false;
    SELECT * INTO c FROM anomaly.channels x WHERE x.id = o.channel_id;
    BEGIN
        IF c.kind = 'email' THEN
            sender := coalesce(c.options->>'mail_from', cfg.mail_from);
            SELECT * INTO r FROM anomaly.curl_smtp_send(
                c.options->>'smtp_url', coalesce(c.options->>'smtp_user', ''),
                coalesce((SELECT x.secret FROM anomaly.channel_secrets x WHERE x.channel_id = c.id), ''), sender,
                ARRAY(SELECT '<' || t || '>' FROM jsonb_array_elements_text(o.payload->'to') AS t),
                ARRAY['Subject: ' || anomaly.mime_header_value(o.payload->>'subject'),
                      'From: ' || sender,
                      'To: ' || (SELECT string_agg(t, ', ') FROM jsonb_array_elements_text(o.payload->'to') AS t),
                      'Date: ' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS') || ' +0000',
                      'Message-ID: <' || md5(o.idempotency_key) || '@anomaly-detect>',
                      'X-Idempotency-Key: ' || o.idempotency_key],
                replace(o.payload->>'text', E'\n', E'\r\n'), cfg.timeout_ms) AS x;
            status := r.status;
            error := r.error;
        ELSE
            SELECT * INTO req FROM anomaly.outbox_http_request(o) AS x;
            SELECT * INTO r FROM anomaly.curl_http_post(
                req.url, req.body::text,
                ARRAY(SELECT h.key || ': ' || h.value FROM jsonb_each_text(req.headers) AS h ORDER BY h.key),
                cfg.timeout_ms) AS x;
            status := r.status;
            IF r.error IS NOT NULL THEN
                error := r.error;
            ELSIF r.status NOT BETWEEN 200 AND 299 THEN
                error := 'HTTP ' || r.status || coalesce(': ' || left(r.response, 300), '');
                permanent := anomaly.http_permanent_failure(r.status);
            END IF;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        -- A bad setting (URL, address, missing secret) fails this message,
        -- not the batch; cancels and terminations are not caught here.
        error := SQLERRM;
    END;
END;
$$;

COMMENT ON FUNCTION anomaly.send_outbox_message(anomaly.alert_outbox, anomaly.delivery_settings) IS
'Sends one outbox message over its channel: HTTP POST (anomaly.outbox_http_request) or e-mail with Subject, From, To, Date, Message-ID and X-Idempotency-Key. Returns the HTTP status or SMTP code, the error (NULL = accepted) and whether the failure is permanent (anomaly.http_permanent_failure).';

CREATE FUNCTION anomaly.record_attempt(outbox_id pg_catalog.int8, status pg_catalog.int4, error pg_catalog.text,
                                       permanent pg_catalog.bool DEFAULT false)
    RETURNS pg_catalog.text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg anomaly.delivery_settings := anomaly.delivery_config();
    new_status text;
BEGIN
    UPDATE anomaly.alert_outbox AS x
       SET status = CASE WHEN record_attempt.error IS NULL THEN 'sent'
                         WHEN coalesce(permanent, false) OR x.attempts + 1 >= cfg.max_attempts THEN 'dead'
                         ELSE 'pending' END,
           attempts = x.attempts + 1, last_status = record_attempt.status, last_error = record_attempt.error,
           sent_at = CASE WHEN record_attempt.error IS NULL THEN clock_timestamp() END,
           next_attempt_at = clock_timestamp() + least(cfg.retry_max, cfg.retry_base * power(2, least(x.attempts, 30)))
     WHERE x.id = outbox_id AND x.status = 'pending'
    RETURNING x.status INTO new_status;
    RETURN new_status;
END;
$$;

COMMENT ON FUNCTION anomaly.record_attempt(pg_catalog.int8, pg_catalog.int4, pg_catalog.text, pg_catalog.bool) IS
'Records one sending attempt of a pending outbox message: sent when error is NULL; else pending again after retry_base * 2^(attempts-1) (at most retry_max), or dead after max_attempts failures or a permanent one. Returns the new status (NULL if the message was not pending). Used by deliver_alerts and by external senders such as the pg_net recipe.';

CREATE FUNCTION anomaly.deliver_outbox_message(o anomaly.alert_outbox)
    RETURNS pg_catalog.text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM anomaly.send_outbox_message(o, anomaly.delivery_config()) AS x;
    RETURN anomaly.record_attempt(o.id, r.status, r.error, r.permanent);
END;
$$;

COMMENT ON FUNCTION anomaly.deliver_outbox_message(anomaly.alert_outbox) IS
'Sends one claimed outbox message (send_outbox_message) and records the outcome (record_attempt). Returns the new status: sent, pending or dead.';

CREATE PROCEDURE anomaly.deliver_alerts(as_of pg_catalog.timestamptz DEFAULT NULL,
                                        max_messages pg_catalog.int4 DEFAULT NULL,
                                        INOUT sent pg_catalog.int4 DEFAULT NULL,
                                        INOUT retrying pg_catalog.int4 DEFAULT NULL,
                                        INOUT dead pg_catalog.int4 DEFAULT NULL,
                                        INOUT digests_queued pg_catalog.int4 DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
-- No SET clause: a procedure with one cannot COMMIT; the work is done by
-- functions with a fixed search_path.
DECLARE
    o anomaly.alert_outbox;
    outcome text;
    last_id bigint := 0;
BEGIN
    sent := 0; retrying := 0; dead := 0;
    digests_queued := anomaly.enqueue_digests(COALESCE(as_of, pg_catalog.now()));
    COMMIT;
    LOOP
        EXIT WHEN max_messages IS NOT NULL AND sent + retrying + dead >= max_messages;
        o := anomaly.claim_outbox_message(last_id);
        EXIT WHEN o.id IS NULL;
        last_id := o.id;
        outcome := anomaly.deliver_outbox_message(o);
        CASE outcome
            WHEN 'sent' THEN sent := sent + 1;
            WHEN 'dead' THEN dead := dead + 1;
            ELSE retrying := retrying + 1;
        END CASE;
        COMMIT;
    END LOOP;
END;
$$;

COMMENT ON PROCEDURE anomaly.deliver_alerts(pg_catalog.timestamptz, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS
'CALL anomaly.deliver_alerts(); queues the digests due as of as_of (default now()), then sends each pending outbox message whose time has come, at most once per call and at most max_messages (default all), committing after each: a message is claimed FOR UPDATE SKIP LOCKED, so concurrent calls share the work and a killed call loses nothing. Returns sent, retrying (failed, will be retried), dead and digests_queued. Cannot run inside a transaction block.';

-- Scheduling ----------------------------------------------------------------

CREATE FUNCTION anomaly.delivery_job_name() RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN 'anomaly_detect.deliver_alerts';

COMMENT ON FUNCTION anomaly.delivery_job_name() IS
'The name of the pg_cron job that anomaly.schedule_delivery() creates: anomaly_detect.deliver_alerts.';

CREATE FUNCTION anomaly.schedule_delivery(cron pg_catalog.text DEFAULT '* * * * *') RETURNS pg_catalog.int8
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job_id bigint;
BEGIN
    IF cron IS NULL THEN
        RAISE EXCEPTION 'anomaly.schedule_delivery: cron must not be NULL'
            USING ERRCODE = '22004', HINT = 'Give a cron expression such as ''* * * * *'', or call anomaly.unschedule_delivery().';
    END IF;
    PERFORM anomaly.require_pg_cron();
    BEGIN
        EXECUTE 'SELECT cron.schedule($1, $2, $3)'
            INTO job_id
            USING anomaly.delivery_job_name(), cron, 'CALL anomaly.deliver_alerts()';
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'anomaly.schedule_delivery: % is not a cron schedule pg_cron accepts', quote_literal(cron)
            USING ERRCODE = '22023', DETAIL = SQLERRM;
    END;
    RETURN job_id;
END $$;

COMMENT ON FUNCTION anomaly.schedule_delivery(pg_catalog.text) IS
'Runs CALL anomaly.deliver_alerts() on a cron schedule (default every minute) through one pg_cron job named anomaly_detect.deliver_alerts, next to the checks of anomaly.schedule(); calling it again replaces the schedule. Returns the job id. Needs pg_cron in this database (55000 with a hint otherwise).';

CREATE FUNCTION anomaly.unschedule_delivery() RETURNS pg_catalog.bool
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job record;
    removed boolean := false;
BEGIN
    PERFORM anomaly.require_pg_cron();
    FOR job IN EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1' USING anomaly.delivery_job_name() LOOP
        EXECUTE 'SELECT cron.unschedule($1)' USING job.jobid;
        removed := true;
    END LOOP;
    RETURN removed;
END $$;

COMMENT ON FUNCTION anomaly.unschedule_delivery() IS
'Removes the pg_cron job of anomaly.schedule_delivery(); true if there was one. Needs pg_cron in this database (55000 with a hint otherwise).';
