---------------------------------------------------------------------------
-- Root cause, part 3: every alert carries its top causes.
-- A BEFORE trigger on anomaly_log fills root_causes when an incident opens
-- (INSERT of an open alert) and when an open incident grows (its first_ts,
-- last_ts or points change, even in the run that auto-resolves it), in the
-- same statement as run_checks' upsert: no extra row version, and whatever
-- reads the row afterwards in that transaction (the delivery outbox) sees
-- them. Alerts that are already closed when first written (a first check
-- over years of history writes hundreds of them), suppressed ones and info
-- alerts (moves in the good direction, level shifts: weekly digest material,
-- and level-shift alerts grow every day for weeks) are not analysed:
-- root_causes stays NULL and anomaly.root_cause(id) answers on demand. Each
-- analysis costs 10-60 ms (one read per metric involved). An error in the analysis (a related
-- metric's source gone, too many series) must not fail the check: it leaves
-- root_causes NULL with a WARNING.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.root_causes_json(a anomaly.anomaly_log, top pg_catalog.int4 DEFAULT 5)
    RETURNS pg_catalog.jsonb
    LANGUAGE sql
    COST 20000
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT coalesce(jsonb_agg(jsonb_build_object('rank', r.rank, 'kind', r.kind, 'metric', r.metric,
                                                 'series', r.series, 'score', round(r.score::numeric, 4),
                                                 'evidence', r.evidence) ORDER BY r.rank), '[]'::jsonb)
    FROM anomaly.root_cause_ranked(a) AS r
    WHERE r.rank <= top;
END;

COMMENT ON FUNCTION anomaly.root_causes_json(anomaly.anomaly_log, pg_catalog.int4) IS
'The top causes of an alert row as anomaly_log.root_causes stores them: [{"rank", "kind", "metric", "series", "score" (4 decimals), "evidence"}], [] when none.';

CREATE FUNCTION anomaly.anomaly_log_root_causes()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    msg text;
    state text;
BEGIN
    BEGIN
        NEW.root_causes := anomaly.root_causes_json(NEW);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
        RAISE WARNING 'root causes of the alert of metric "%" starting % not computed: % (SQLSTATE %)',
            (SELECT x.name FROM anomaly.metrics x WHERE x.id = NEW.metric_id), NEW.first_ts, msg, state;
        NEW.root_causes := NULL;
    END;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION anomaly.anomaly_log_root_causes() IS
'Trigger of anomaly.anomaly_log: fills root_causes (anomaly.root_causes_json) when an open incident is written or grows; NULL when the analysis fails (with a WARNING).';

CREATE TRIGGER root_causes_on_open BEFORE INSERT ON anomaly.anomaly_log
    FOR EACH ROW WHEN (NEW.status IN ('triggered', 'investigating', 'escalated') AND NEW.severity <> 'info')
    EXECUTE FUNCTION anomaly.anomaly_log_root_causes();

CREATE TRIGGER root_causes_on_growth BEFORE UPDATE OF first_ts, last_ts, points ON anomaly.anomaly_log
    FOR EACH ROW
    WHEN ((OLD.first_ts IS DISTINCT FROM NEW.first_ts OR OLD.last_ts IS DISTINCT FROM NEW.last_ts
           OR OLD.points IS DISTINCT FROM NEW.points)
          AND NEW.severity <> 'info'
          AND (OLD.status IN ('triggered', 'investigating', 'escalated')
               OR NEW.status IN ('triggered', 'investigating', 'escalated')))
    EXECUTE FUNCTION anomaly.anomaly_log_root_causes();

CREATE INDEX ON anomaly.anomaly_log (last_ts);
