---------------------------------------------------------------------------
-- Monitoring layer, part 6: alert lifecycle and feedback.
-- triggered -> investigating (acknowledge) -> escalated (escalate) ->
-- resolved (resolve, accept_new_normal); run_checks sets auto_resolved after
-- auto_resolve_after normal periods and suppressed inside known events.
-- Every change lands in anomaly.alert_audit through a trigger, so changes
-- made with plain UPDATEs are audited too.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.alert_audit_trigger()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    note text := nullif(current_setting('anomaly.audit_note', true), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO anomaly.alert_audit (alert_id, metric_id, action, new_status, note)
        VALUES (NEW.id, NEW.metric_id, 'opened', NEW.status, note);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO anomaly.alert_audit (alert_id, metric_id, action, old_status, note)
        VALUES (OLD.id, OLD.metric_id, 'removed', OLD.status, coalesce(note, 'no rule hit supports it any more'));
    ELSE
        IF NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO anomaly.alert_audit (alert_id, metric_id, action, old_status, new_status, note)
            VALUES (NEW.id, NEW.metric_id, 'status', OLD.status, NEW.status, coalesce(note, NEW.resolution));
        END IF;
        IF NEW.label IS DISTINCT FROM OLD.label THEN
            INSERT INTO anomaly.alert_audit (alert_id, metric_id, action, label, note)
            VALUES (NEW.id, NEW.metric_id, 'label', NEW.label, NEW.label_note);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION anomaly.alert_audit_trigger() IS
'Trigger of anomaly.anomaly_log: records every opening, status change, label and removal in anomaly.alert_audit.';

CREATE TRIGGER alert_audit AFTER INSERT OR DELETE OR UPDATE OF status, label ON anomaly.anomaly_log
    FOR EACH ROW EXECUTE FUNCTION anomaly.alert_audit_trigger();

-- One status transition, with its note; the shared body of the lifecycle functions.
CREATE FUNCTION anomaly.alert_transition(alert_id pg_catalog.int8, allowed_from pg_catalog.text[],
                                         new_status pg_catalog.text, note pg_catalog.text,
                                         resolution pg_catalog.text DEFAULT NULL)
    RETURNS anomaly.anomaly_log
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a anomaly.anomaly_log;
BEGIN
    IF alert_id IS NULL THEN
        RAISE EXCEPTION 'alert id must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO a FROM anomaly.anomaly_log AS l WHERE l.id = alert_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no alert with id %', alert_id USING ERRCODE = '22023';
    END IF;
    IF NOT a.status = ANY (allowed_from) THEN
        RAISE EXCEPTION 'alert % is %: cannot move it to %', alert_id, a.status, new_status
            USING ERRCODE = '22023',
                  HINT = format('Only alerts in status %s can.', array_to_string(allowed_from, ', '));
    END IF;
    PERFORM set_config('anomaly.audit_note', coalesce(note, ''), true);
    UPDATE anomaly.anomaly_log AS l
       SET status = new_status, updated_at = now(),
           resolution = CASE WHEN new_status = 'resolved' THEN coalesce(alert_transition.resolution, note, 'resolved') ELSE l.resolution END,
           resolved_at = CASE WHEN new_status = 'resolved' THEN now() ELSE l.resolved_at END
     WHERE l.id = alert_id
    RETURNING * INTO a;
    PERFORM set_config('anomaly.audit_note', '', true);
    RETURN a;
END;
$$;

COMMENT ON FUNCTION anomaly.alert_transition(pg_catalog.int8, pg_catalog.text[], pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
'Helper of the lifecycle functions: moves an alert from one of allowed_from to new_status with an audited note (22023 for an unknown alert or a forbidden transition).';

CREATE FUNCTION anomaly.acknowledge(alert_id pg_catalog.int8, note pg_catalog.text DEFAULT NULL)
    RETURNS anomaly.anomaly_log
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    RETURN anomaly.alert_transition(alert_id, ARRAY['triggered'], 'investigating', note);

COMMENT ON FUNCTION anomaly.acknowledge(pg_catalog.int8, pg_catalog.text) IS
'Someone is looking at the alert: triggered -> investigating. Returns the alert.';

CREATE FUNCTION anomaly.escalate(alert_id pg_catalog.int8, note pg_catalog.text DEFAULT NULL)
    RETURNS anomaly.anomaly_log
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    RETURN anomaly.alert_transition(alert_id, ARRAY['triggered', 'investigating'], 'escalated', note);

COMMENT ON FUNCTION anomaly.escalate(pg_catalog.int8, pg_catalog.text) IS
'triggered or investigating -> escalated. Returns the alert.';

CREATE FUNCTION anomaly.resolve(alert_id pg_catalog.int8, note pg_catalog.text DEFAULT NULL)
    RETURNS anomaly.anomaly_log
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    RETURN anomaly.alert_transition(alert_id, ARRAY['triggered', 'investigating', 'escalated', 'auto_resolved', 'suppressed'],
                                    'resolved', note);

COMMENT ON FUNCTION anomaly.resolve(pg_catalog.int8, pg_catalog.text) IS
'Closes an alert (any status but resolved) with a note; run_checks no longer changes its status. Returns the alert.';

CREATE FUNCTION anomaly.label(alert_id pg_catalog.int8, label pg_catalog.text, note pg_catalog.text DEFAULT NULL)
    RETURNS anomaly.anomaly_log
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a anomaly.anomaly_log;
BEGIN
    IF alert_id IS NULL THEN
        RAISE EXCEPTION 'alert id must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF label IS NULL OR label NOT IN ('true_positive', 'false_positive', 'expected') THEN
        RAISE EXCEPTION 'label must be true_positive, false_positive or expected, not %', coalesce(label, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    UPDATE anomaly.anomaly_log AS l
       SET label = label.label, label_note = note, labelled_by = current_user, labelled_at = now(), updated_at = now()
     WHERE l.id = alert_id
    RETURNING * INTO a;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no alert with id %', alert_id USING ERRCODE = '22023';
    END IF;
    RETURN a;
END;
$$;

COMMENT ON FUNCTION anomaly.label(pg_catalog.int8, pg_catalog.text, pg_catalog.text) IS
'Feedback on an alert: true_positive, false_positive or expected, with a note (audited; feeds alert_stats_weekly and tuning). Returns the alert.';

CREATE FUNCTION anomaly.accept_new_normal(alert_id pg_catalog.int8, note pg_catalog.text DEFAULT NULL)
    RETURNS anomaly.anomaly_log
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a anomaly.anomaly_log;
BEGIN
    a := anomaly.alert_transition(alert_id, ARRAY['triggered', 'investigating', 'escalated', 'auto_resolved'],
                                  'resolved', note, 'accepted as the new normal');
    INSERT INTO anomaly.baseline_resets (metric_id, series, since, alert_id)
    VALUES (a.metric_id, a.series, a.first_ts, a.id)
    ON CONFLICT DO NOTHING;
    UPDATE anomaly.series_state AS s SET first_ts = a.first_ts
     WHERE s.metric_id = a.metric_id AND s.series = a.series AND s.first_ts < a.first_ts;
    RETURN a;
END;
$$;

COMMENT ON FUNCTION anomaly.accept_new_normal(pg_catalog.int8, pg_catalog.text) IS
'Accepts a persisting level shift: resolves the alert and makes the rules of its series forget every point before the alert''s first point (they warm up again on the new level; layer 1 rules keep working). Returns the alert.';
