-- A metric's dates are read in its own time zone, whoever checks it: a
-- pg_cron job runs in the server's zone, an analyst in hers, and both must
-- see the same days and raise the same alerts.
\set VERBOSITY terse
CREATE SCHEMA tz_shop;
CREATE TABLE tz_shop.daily AS
SELECT date '2026-01-01' + d AS day,
       (100 + (d % 7) * 3 + CASE WHEN d = 50 THEN 80 ELSE 0 END)::float8 AS amount
FROM generate_series(0, 69) AS d;

SET TIME ZONE 'UTC';
SELECT anomaly.add_metric('tz_a', 'tz_shop.daily', 'day', 'amount', time_zone => 'America/New_York') > 0 AS a,
       anomaly.add_metric('tz_b', 'tz_shop.daily', 'day', 'amount', time_zone => 'America/New_York') > 0 AS b,
       anomaly.add_metric('tz_utc', 'tz_shop.daily', 'day', 'amount') > 0 AS utc;
SELECT name, time_zone FROM anomaly.metrics WHERE name LIKE 'tz\_%' ORDER BY name;

-- An unknown zone is refused when the metric is written.
SELECT anomaly.add_metric('tz_bad', 'tz_shop.daily', 'day', 'amount', time_zone => 'Mars/Olympus_Mons');

-- tz_a checked from a UTC session, tz_b from a Tokyo one.
CALL anomaly.run_checks(as_of => '2026-03-15 12:00+00', metrics => '{tz_a, tz_utc}') \gset
SET TIME ZONE 'Asia/Tokyo';
CALL anomaly.run_checks(as_of => '2026-03-15 12:00+00', metrics => '{tz_b}') \gset
SHOW TimeZone;

-- The same incidents; the spike of 2026-02-20 is a New York day.
SELECT (SELECT count(*) FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id WHERE m.name = 'tz_a') AS tz_a,
       (SELECT count(*) FROM (
            SELECT first_ts, last_ts, status, severity, value, expected, lower, upper, score
            FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id WHERE m.name = 'tz_a'
            EXCEPT
            SELECT first_ts, last_ts, status, severity, value, expected, lower, upper, score
            FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id WHERE m.name = 'tz_b') d) AS differ;
SET TIME ZONE 'UTC';
SELECT m.name, l.first_ts, l.value, l.severity
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE m.name LIKE 'tz\_%' AND l.value = 183
ORDER BY m.name;

-- check_metric in a transaction leaves the session's zone as it was.
BEGIN;
SET LOCAL TIME ZONE 'Europe/Paris';
SELECT points_scored FROM anomaly.check_metric('tz_a', '2026-03-16 12:00+00');
SHOW TimeZone;
COMMIT;

DELETE FROM anomaly.metrics WHERE name LIKE 'tz\_%';
DROP SCHEMA tz_shop CASCADE;
RESET TIME ZONE;
