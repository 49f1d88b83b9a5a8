-- Scheduled checks: anomaly.schedule() keeps one pg_cron job that runs
-- CALL anomaly.run_checks(); anomaly.unschedule() removes it. pg_cron is
-- optional for the extension. The test cluster preloads pg_cron for this
-- database (cron.database_name = contrib_regression).
\set SHOW_CONTEXT never

-- Without the pg_cron extension both functions say what is missing and how to
-- get it.
SELECT anomaly.schedule();
SELECT anomaly.unschedule();

CREATE EXTENSION pg_cron;

-- The default schedule: every 5 minutes; the job calls the procedure.
SELECT anomaly.schedule() AS job_id \gset
SELECT jobid = :job_id AS returns_the_job_id FROM cron.job;
SELECT jobname, schedule, command, database = current_database() AS this_database, active
FROM cron.job;

-- Scheduling again replaces the schedule of the same job: still one job.
SELECT anomaly.schedule('0 * * * *') = :job_id AS same_job;
SELECT count(*) AS jobs, min(schedule) AS schedule FROM cron.job;

-- Bad schedules are refused and leave the job as it was. pg_cron's finest
-- granularity is one minute.
SELECT anomaly.schedule(NULL);
SELECT anomaly.schedule('5 seconds');
SELECT anomaly.schedule('every day');
SELECT count(*) AS jobs, min(schedule) AS schedule FROM cron.job;

-- Not everyone may change the schedule (EXECUTE is revoked from PUBLIC).
SELECT has_function_privilege('public', 'anomaly.schedule(text)', 'EXECUTE') AS public_may_schedule,
       has_function_privilege('public', 'anomaly.unschedule()', 'EXECUTE') AS public_may_unschedule;

-- unschedule() says whether there was a job to remove.
SELECT anomaly.unschedule() AS removed;
SELECT anomaly.unschedule() AS removed_again;
SELECT count(*) AS jobs FROM cron.job;

DROP EXTENSION pg_cron;
