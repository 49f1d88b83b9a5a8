-- make demo, last step: the pg_cron schedule of the monitoring layer (after
-- the HTML report, so that the report shows the alerts of the demo data).
--   SELECT anomaly.schedule(): the pg_cron job that checks every 5 minutes
--   from now on (when pg_cron is set up for this database).

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
SELECT max(day)::text AS last_day FROM demo.daily_metrics \gset

SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_cron')
       AND current_setting('cron.database_name', true) = current_database() AS cron_here \gset
\if :cron_here
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT anomaly.schedule() AS job_id \gset
\echo '== SELECT anomaly.schedule(); -> pg_cron job' :job_id '(anomaly_detect.run_checks, every 5 minutes).'
\echo '   It checks as of now(): the demo data ends on' :last_day 'so its first run opens a "missing data"'
\echo '   alert per metric (the staleness rule at work). Stop it with SELECT anomaly.unschedule();'
\else
\echo '== pg_cron is not set up for this database: no schedule (CALL anomaly.run_checks() from any scheduler).'
\endif
