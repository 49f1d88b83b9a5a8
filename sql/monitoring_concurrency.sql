-- run_checks is safe to run at the same time as itself and to kill: two runs
-- at once, and a run killed halfway (pg_terminate_backend) and then
-- repeated, leave exactly the anomaly log of one clean run (compared by
-- content: ids and wall-clock columns differ). Other sessions are opened
-- with dblink; a pause in the source view (conc.pause seconds per read, one
-- read per metric) makes the runs overlap and gives the kill a window.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION dblink;
CREATE SCHEMA conc;

-- Four daily metrics in one table, 120 days to 2026-04-30, weekly pattern
-- plus deterministic noise, with planted spikes, a drop, a level shift and a
-- zero day.
CREATE TABLE conc.daily (metric text, day date, value float8, PRIMARY KEY (metric, day));
INSERT INTO conc.daily
SELECT m, date '2026-01-01' + i,
       round((1000 * (1 + 0.1 * sin(2 * pi() * i / 7)) * (1 + 0.02 * ((hashtext(m || i) % 1000) / 1000.0))
              * CASE WHEN (m, i) IN (('conc_a', 50), ('conc_b', 70), ('conc_c', 90)) THEN 1.8
                     WHEN (m, i) IN (('conc_a', 100), ('conc_d', 60)) THEN 0.4
                     WHEN m = 'conc_b' AND i >= 95 THEN 1.5
                     WHEN (m, i) = ('conc_d', 110) THEN 0
                     ELSE 1 END)::numeric, 2)::float8
FROM unnest(ARRAY['conc_a', 'conc_b', 'conc_c', 'conc_d']) AS m, generate_series(0, 119) AS i;

CREATE TABLE conc.pause (seconds float8 NOT NULL);
INSERT INTO conc.pause VALUES (0);
CREATE FUNCTION conc.pause() RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep((SELECT seconds FROM conc.pause));
    RETURN true;
END $$;
-- The scalar subquery runs once per read of the view, i.e. once per metric check.
CREATE VIEW conc.slow_daily AS SELECT * FROM conc.daily WHERE (SELECT conc.pause());

-- conc_c's spike falls in a known event: logged as suppressed.
INSERT INTO anomaly.expected_events (name, during, affected_metrics)
VALUES ('conc launch', tstzrange('2026-03-31', '2026-04-02'), '{conc_c}');

CREATE FUNCTION conc.add_metrics() RETURNS void LANGUAGE sql BEGIN ATOMIC
    SELECT anomaly.add_metric(m, 'conc.slow_daily', 'day', 'value', '1 day', 'up', filter => jsonb_build_object('metric', m))
    FROM unnest(ARRAY['conc_a', 'conc_b', 'conc_c', 'conc_d']) AS m;
END;
CREATE FUNCTION conc.drop_metrics() RETURNS void LANGUAGE sql BEGIN ATOMIC
    DELETE FROM anomaly.metrics WHERE name LIKE 'conc\_%';
END;
-- The log by content: metric and rule names instead of ids, no wall-clock columns.
CREATE VIEW conc.log AS
SELECT m.name AS metric, l.series, (SELECT array_agg(r->>'name' ORDER BY r->>'name') FROM jsonb_array_elements(l.rules) r) AS rules,
       l.first_ts, l.last_ts, l.points, l.status, l.severity, l.value, l.expected, l.lower, l.upper, l.score,
       l.deviation_pct, l.direction, l.peak_ts, pr.name AS peak_rule, l.event_name, l.message, l.playbook,
       l.resolution, l.resolved_at, l.label
FROM anomaly.anomaly_log l
JOIN anomaly.metrics m ON m.id = l.metric_id
LEFT JOIN anomaly.rules pr ON pr.id = l.peak_rule_id
WHERE m.name LIKE 'conc\_%';
-- Another session of this database and role, with this session's time zone
-- and date style (a date column becomes a timestamptz in the session's time
-- zone); returns its backend pid.
CREATE FUNCTION conc.connect(name text) RETURNS int LANGUAGE sql BEGIN ATOMIC
    SELECT dblink_connect(name, format('host=%s port=%s dbname=%s user=%s',
                                       split_part(current_setting('unix_socket_directories'), ',', 1),
                                       current_setting('port'), current_database(), current_user));
    SELECT dblink_exec(name, format('SET TimeZone = %L; SET DateStyle = %L',
                                    current_setting('TimeZone'), current_setting('DateStyle')));
    SELECT pid FROM dblink(name, 'SELECT pg_backend_pid()') AS t(pid int);
END;
-- Waits (at most 60 s) until `condition` is true.
CREATE PROCEDURE conc.wait_for(condition text) LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '60 seconds';
    ok bool;
BEGIN
    LOOP
        EXECUTE 'SELECT ' || condition INTO ok;
        EXIT WHEN ok;
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'timed out waiting for %', condition;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;

-- 1. The reference: one clean run. (CALL's summary includes its duration:
-- \gset keeps it out of the output.)
SELECT conc.add_metrics();
CALL anomaly.run_checks(as_of => '2026-05-01', metrics => '{conc_a,conc_b,conc_c,conc_d}') \gset
SELECT :metrics_checked AS metrics_checked, :alerts_opened AS alerts_opened, :suppressed AS suppressed;
CREATE TABLE conc.reference AS TABLE conc.log;
-- Rows of the log that differ from the reference, either way.
CREATE FUNCTION conc.diff() RETURNS bigint LANGUAGE sql BEGIN ATOMIC
    SELECT count(*) FROM ((TABLE conc.log EXCEPT ALL TABLE conc.reference)
                          UNION ALL (TABLE conc.reference EXCEPT ALL TABLE conc.log)) d;
END;
SELECT metric, first_ts::date, last_ts::date, status, severity, direction, event_name, rules
FROM conc.reference ORDER BY metric, first_ts;

-- Repeating the run changes nothing.
CALL anomaly.run_checks(as_of => '2026-05-01', metrics => '{conc_a,conc_b,conc_c,conc_d}') \gset
SELECT :alerts_opened AS alerts_opened, :alerts_extended AS alerts_extended;
SELECT conc.diff() AS differences_after_a_second_run;

-- 2. Two runs at once, from scratch, each pausing 0.3 s per metric.
SELECT conc.drop_metrics();
SELECT conc.add_metrics();
UPDATE conc.pause SET seconds = 0.3;
SELECT conc.connect('run1') > 0 AS run1_connected, conc.connect('run2') > 0 AS run2_connected;
SELECT dblink_send_query('run1', $$CALL anomaly.run_checks(as_of => '2026-05-01', metrics => '{conc_a,conc_b,conc_c,conc_d}')$$) AS sent1,
       dblink_send_query('run2', $$CALL anomaly.run_checks(as_of => '2026-05-01', metrics => '{conc_a,conc_b,conc_c,conc_d}')$$) AS sent2;
SELECT dblink_is_busy('run1') AS run1_busy, dblink_is_busy('run2') AS run2_busy;
-- Both finish, each checks all four metrics; per metric one waits for the
-- other's lock, so each alert is opened by exactly one of them.
CREATE TEMP TABLE results AS
SELECT 'run1' AS run, * FROM dblink_get_result('run1') AS r(metrics_checked int, points_scored bigint, alerts_opened int,
    alerts_extended int, suppressed int, auto_resolved int, metrics_failed int, duration interval)
UNION ALL
SELECT 'run2', * FROM dblink_get_result('run2') AS r(metrics_checked int, points_scored bigint, alerts_opened int,
    alerts_extended int, suppressed int, auto_resolved int, metrics_failed int, duration interval);
SELECT run, metrics_checked, metrics_failed FROM results ORDER BY run;
SELECT sum(alerts_opened) + sum(suppressed) = (SELECT count(*) FROM conc.reference) AS each_incident_opened_once
FROM results;
SELECT dblink_disconnect('run1'), dblink_disconnect('run2');
SELECT conc.diff() AS differences_after_two_concurrent_runs;

-- 3. A run killed halfway, then repeated. The run pauses 1 s per metric; it
-- is terminated once at least one metric is committed, while it works on a
-- later one.
SELECT conc.drop_metrics();
SELECT conc.add_metrics();
UPDATE conc.pause SET seconds = 1;
SELECT conc.connect('victim') AS victim_pid \gset
SELECT dblink_send_query('victim', $$CALL anomaly.run_checks(as_of => '2026-05-01', metrics => '{conc_a,conc_b,conc_c,conc_d}')$$) AS sent;
CALL conc.wait_for($$EXISTS (SELECT FROM anomaly.metric_state s JOIN anomaly.metrics m ON m.id = s.metric_id
                             WHERE m.name LIKE 'conc\_%' AND s.watermark IS NOT NULL)$$);
SELECT pg_terminate_backend(:victim_pid, 10000) AS terminated;
SELECT dblink_disconnect('victim');
-- Some metrics were checked, not all: the log is incomplete, not wrong.
SELECT count(*) FILTER (WHERE s.watermark IS NOT NULL) BETWEEN 1 AND 3 AS partly_checked
FROM anomaly.metrics m LEFT JOIN anomaly.metric_state s ON s.metric_id = m.id
WHERE m.name LIKE 'conc\_%';
SELECT conc.diff() > 0 AS incomplete_before_the_repeat,
       NOT EXISTS (TABLE conc.log EXCEPT ALL TABLE conc.reference) AS nothing_wrong_before_the_repeat;
UPDATE conc.pause SET seconds = 0;
CALL anomaly.run_checks(as_of => '2026-05-01', metrics => '{conc_a,conc_b,conc_c,conc_d}') \gset
SELECT :metrics_checked AS metrics_checked, :metrics_failed AS metrics_failed;
SELECT conc.diff() AS differences_after_kill_and_repeat;

-- Clean up.
SELECT conc.drop_metrics();
DELETE FROM anomaly.expected_events WHERE name = 'conc launch';
-- The audit trail of the removed metrics' alerts.
DELETE FROM anomaly.alert_audit a WHERE NOT EXISTS (SELECT FROM anomaly.metrics m WHERE m.id = a.metric_id);
DROP SCHEMA conc CASCADE;
DROP EXTENSION dblink;
