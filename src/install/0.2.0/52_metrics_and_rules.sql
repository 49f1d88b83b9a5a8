---------------------------------------------------------------------------
-- Monitoring layer, part 3: writing metrics and rules.
-- Rules are validated when written (trigger): known method, known parameter
-- names, values accepted by the method's own evaluator (called on empty
-- arrays), and the history the rule needs is computed and stored.
---------------------------------------------------------------------------

-- The evaluator of a method must have the common signature.
CREATE FUNCTION anomaly.rule_methods_check()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p pg_proc;
BEGIN
    SELECT * INTO p FROM pg_proc WHERE oid = NEW.evaluator;
    IF ARRAY(SELECT unnest(p.proargtypes::oid[])) <> ARRAY['timestamptz[]'::regtype, 'float8[]'::regtype, 'jsonb'::regtype]::oid[]
       OR NOT p.proretset
       OR p.proallargtypes IS NULL
       OR p.proallargtypes[4:] <> ARRAY['timestamptz'::regtype, 'float8'::regtype, 'float8'::regtype, 'float8'::regtype,
                                        'float8'::regtype, 'float8'::regtype, 'bool'::regtype]::oid[] THEN
        RAISE EXCEPTION 'rule method %: evaluator % does not have the common signature', NEW.method, NEW.evaluator
            USING ERRCODE = '22023',
                  HINT = '(timestamptz[], float8[], jsonb) RETURNS TABLE(ts timestamptz, value float8, expected float8, lower float8, upper float8, score float8, is_anomaly bool)';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_methods_check() IS
'Trigger of anomaly.rule_methods: the evaluator must have the common signature (SQLSTATE 22023).';

CREATE TRIGGER rule_methods_check BEFORE INSERT OR UPDATE ON anomaly.rule_methods
    FOR EACH ROW EXECUTE FUNCTION anomaly.rule_methods_check();

-- Runtime parameters run_checks adds to a rule's params before each call.
CREATE FUNCTION anomaly.runtime_params(frequency pg_catalog.interval, good_direction pg_catalog.text,
                                       as_of pg_catalog.timestamptz, since pg_catalog.timestamptz,
                                       metric pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN jsonb_strip_nulls(jsonb_build_object('frequency', frequency::text, 'good_direction', good_direction,
                                                'as_of', as_of, 'from', since, 'metric', metric));
END;
$$;

COMMENT ON FUNCTION anomaly.runtime_params(pg_catalog.interval, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.text) IS
'The runtime keys run_checks adds to a rule''s params: {"frequency", "good_direction", "as_of", "from", "metric"} (metric: its name, so that a method can use the metric''s known events); use it to call an evaluator the way run_checks does.';

CREATE FUNCTION anomaly.rules_validate()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.rule_methods;
    met anomaly.metrics;
    bad text;
BEGIN
    SELECT * INTO m FROM anomaly.rule_methods WHERE method = NEW.method;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown rule method "%"', NEW.method
            USING ERRCODE = '22023',
                  HINT = 'Methods: ' || (SELECT string_agg(method, ', ' ORDER BY method) FROM anomaly.rule_methods) || '.';
    END IF;
    IF NEW.layer IS NULL THEN
        NEW.layer := m.layer;
    ELSIF NEW.layer <> m.layer THEN
        RAISE EXCEPTION 'rule "%": method % is a layer % method, not layer %', NEW.name, m.method, m.layer, NEW.layer
            USING ERRCODE = '22023';
    END IF;
    IF NEW.params IS NULL OR jsonb_typeof(NEW.params) <> 'object' THEN
        RAISE EXCEPTION 'rule "%": params must be a JSON object', NEW.name USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO bad
    FROM jsonb_object_keys(NEW.params) AS k WHERE NOT m.param_defaults ? k;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'rule "%": unknown parameter(s) % for method %', NEW.name, bad, m.method
            USING ERRCODE = '22023',
                  HINT = CASE WHEN m.param_defaults = '{}' THEN 'The method takes no parameters.'
                              ELSE 'Parameters: ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(m.param_defaults) AS k) || '.' END;
    END IF;
    NEW.params := m.param_defaults || NEW.params;
    SELECT * INTO met FROM anomaly.metrics WHERE id = NEW.metric_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rule "%": no metric with id %', NEW.name, NEW.metric_id USING ERRCODE = '23503';
    END IF;
    -- The evaluator validates the values (SQLSTATE 22023 with its message).
    EXECUTE format('SELECT count(*) FROM %s($1, $2, $3)', m.evaluator::oid::regproc)
        USING '{}'::timestamptz[], '{}'::float8[],
              NEW.params || anomaly.runtime_params(met.frequency, met.good_direction, now(), NULL, met.name);
    NEW.params := jsonb_strip_nulls(NEW.params);
    EXECUTE format('SELECT (%s)::interval, (%s)::interval FROM (SELECT $1::jsonb AS params, $2::interval AS frequency) AS a',
                   m.history, m.warmup)
        INTO NEW.history, NEW.warmup USING NEW.params, met.frequency;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION anomaly.rules_validate() IS
'Trigger of anomaly.rules: validates method, layer and parameters (SQLSTATE 22023 with the reason), fills in defaults, computes history and warmup.';

CREATE TRIGGER rules_validate BEFORE INSERT OR UPDATE ON anomaly.rules
    FOR EACH ROW EXECUTE FUNCTION anomaly.rules_validate();

-- A metric's frequency or good direction changes what its rules need: re-validate them.
CREATE FUNCTION anomaly.metrics_revalidate_rules()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE anomaly.rules SET params = params WHERE metric_id = NEW.id;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION anomaly.metrics_revalidate_rules() IS
'Trigger of anomaly.metrics: re-validates the rules of a metric whose frequency or good_direction changed.';

CREATE TRIGGER metrics_revalidate_rules AFTER UPDATE OF frequency, good_direction ON anomaly.metrics
    FOR EACH ROW WHEN (OLD.frequency IS DISTINCT FROM NEW.frequency OR OLD.good_direction IS DISTINCT FROM NEW.good_direction)
    EXECUTE FUNCTION anomaly.metrics_revalidate_rules();

-- The source of a metric: the caller must be able to read it, and its
-- columns must exist with usable types.
CREATE FUNCTION anomaly.metrics_check_source()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c name;
    typ regtype;
    k text;
BEGIN
    IF NOT has_table_privilege(NEW.source, 'SELECT') THEN
        RAISE EXCEPTION 'metric "%": permission denied to read %', NEW.name, NEW.source
            USING ERRCODE = '42501', HINT = 'A metric can only read a source its owner can read.';
    END IF;
    FOREACH c IN ARRAY ARRAY[NEW.time_column, NEW.value_column] || NEW.dimension_columns
                       || ARRAY(SELECT jsonb_object_keys(NEW.filter))::name[] LOOP
        SELECT a.atttypid::regtype INTO typ FROM pg_attribute a
        WHERE a.attrelid = NEW.source AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'metric "%": column "%" does not exist in %', NEW.name, c, NEW.source
                USING ERRCODE = '42703';
        END IF;
        IF c = NEW.time_column AND typ NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
            RAISE EXCEPTION 'metric "%": time column "%" is %, not date, timestamp or timestamptz', NEW.name, c, typ
                USING ERRCODE = '42804';
        END IF;
        IF c = NEW.value_column AND typ NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype,
                                                 'float4'::regtype, 'float8'::regtype) THEN
            RAISE EXCEPTION 'metric "%": value column "%" is %, not a number', NEW.name, c, typ
                USING ERRCODE = '42804';
        END IF;
    END LOOP;
    FOR k IN SELECT e.key FROM jsonb_each(NEW.filter) AS e WHERE jsonb_typeof(e.value) IN ('object', 'array', 'null') LOOP
        RAISE EXCEPTION 'metric "%": filter value of "%" must be a string, number or boolean', NEW.name, k
            USING ERRCODE = '22023';
    END LOOP;
    -- An unknown zone raises 22023 (time zone "x" not recognized).
    PERFORM pg_catalog.now() AT TIME ZONE NEW.time_zone;
    IF NEW.time_column = ANY (NEW.dimension_columns) OR NEW.value_column = ANY (NEW.dimension_columns) THEN
        RAISE EXCEPTION 'metric "%": a dimension column cannot be the time or value column', NEW.name
            USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION anomaly.metrics_check_source() IS
'Trigger of anomaly.metrics: the writer can read the source (42501), the columns exist (42703) with usable types (42804), filter values are scalars (22023).';

CREATE TRIGGER metrics_check_source BEFORE INSERT OR UPDATE OF source, time_column, value_column, dimension_columns, filter, time_zone
    ON anomaly.metrics FOR EACH ROW EXECUTE FUNCTION anomaly.metrics_check_source();

CREATE FUNCTION anomaly.add_metric(name pg_catalog.text,
                                   source pg_catalog.regclass,
                                   time_column pg_catalog.name,
                                   value_column pg_catalog.name,
                                   frequency pg_catalog.interval DEFAULT '1 day',
                                   good_direction pg_catalog.text DEFAULT 'both',
                                   dimension_columns pg_catalog.name[] DEFAULT '{}',
                                   filter pg_catalog.jsonb DEFAULT '{}',
                                   related_metrics pg_catalog.text[] DEFAULT '{}',
                                   missing_data pg_catalog.text DEFAULT 'ignore',
                                   max_series pg_catalog.int4 DEFAULT 100,
                                   default_rules pg_catalog.bool DEFAULT true,
                                   description pg_catalog.text DEFAULT NULL,
                                   time_zone pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.int4
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mid int;
BEGIN
    IF name IS NULL OR source IS NULL OR time_column IS NULL OR value_column IS NULL OR frequency IS NULL THEN
        RAISE EXCEPTION 'add_metric: name, source, time_column, value_column and frequency must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    INSERT INTO anomaly.metrics (name, source, time_column, value_column, frequency, good_direction,
                                 dimension_columns, filter, related_metrics, missing_data, max_series, description,
                                 time_zone)
    VALUES (add_metric.name, add_metric.source, add_metric.time_column, add_metric.value_column,
            add_metric.frequency, coalesce(add_metric.good_direction, 'both'),
            coalesce(add_metric.dimension_columns, '{}'), coalesce(add_metric.filter, '{}'),
            coalesce(add_metric.related_metrics, '{}'), coalesce(add_metric.missing_data, 'ignore'),
            coalesce(add_metric.max_series, 100), add_metric.description,
            coalesce(add_metric.time_zone, pg_catalog.current_setting('TimeZone')))
    RETURNING id INTO mid;
    IF default_rules THEN
        INSERT INTO anomaly.rules (metric_id, name, method, params, severity, direction, message_template, playbook)
        SELECT mid, d.name, d.method, d.params, d.severity, d.direction, d.message, d.playbook
        FROM (VALUES
            (1, 'missing data', 'missing_data', '{}'::jsonb, 'warning', 'both',
             '{metric}{series}: no new data since {last_ts}',
             ARRAY['Check the job that loads the source table.', 'Check upstream system status.']),
            (2, 'zero day', 'zero_day', '{}', 'critical', 'down',
             '{metric}{series} is 0 on {last_ts} (normally about {expected})',
             ARRAY['Check whether the source stopped sending data.', 'Check the checkout / ingestion path end to end.']),
            (3, 'deviation', 'mad_zscore', '{}', 'warning', 'both',
             NULL,
             ARRAY['Compare with related metrics over the same days.', 'Break the metric down by its dimensions.', 'Check releases and campaigns of those days.']),
            (4, 'level shift', 'rolling_mean_shift', '{"threshold_pct": 20}', 'info', 'both',
             '{metric}{series}: the 7-period mean moved {deviation_pct}% against the 28 periods before it',
             ARRAY['Check whether the shift is expected (pricing, seasonality, tracking change).', 'If it is the new normal, accept it with anomaly.accept_new_normal.'])
        ) AS d(ord, name, method, params, severity, direction, message, playbook)
        WHERE d.method <> 'zero_day' OR add_metric.good_direction = 'up'
        ORDER BY d.ord;
    END IF;
    RETURN mid;
END;
$$;

COMMENT ON FUNCTION anomaly.add_metric(pg_catalog.text, pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.interval, pg_catalog.text, pg_catalog.name[], pg_catalog.jsonb, pg_catalog.text[], pg_catalog.text, pg_catalog.int4, pg_catalog.bool, pg_catalog.text, pg_catalog.text) IS
'Registers a metric read from `source` (a table or view the caller can read) and, unless default_rules => false, its default layered rules: missing data (1), zero day (1, when good_direction = up), deviation (2, mad_zscore 3.5 over 28 periods), level shift (3, 7 vs 28 periods, 20%). time_zone (default: the session''s) is the zone its dates are read in. Returns the metric id.';

CREATE FUNCTION anomaly.apply_template(metric pg_catalog.text, template pg_catalog.text,
                                       rule_name pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.int4
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t anomaly.rule_templates;
    mid int;
    rid int;
BEGIN
    SELECT id INTO mid FROM anomaly.metrics WHERE name = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no metric named "%"', metric USING ERRCODE = '22023';
    END IF;
    SELECT * INTO t FROM anomaly.rule_templates WHERE name = template;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no rule template named "%"', template
            USING ERRCODE = '22023',
                  HINT = 'Templates: ' || (SELECT string_agg(name, ', ' ORDER BY name) FROM anomaly.rule_templates) || '.';
    END IF;
    INSERT INTO anomaly.rules (metric_id, name, method, params, severity, direction, min_abs_deviation,
                               min_pct_deviation, message_template, playbook, template)
    VALUES (mid, coalesce(rule_name, t.name), t.method, t.params, t.severity, t.direction, t.min_abs_deviation,
            t.min_pct_deviation, t.message_template, t.playbook, t.name)
    RETURNING id INTO rid;
    RETURN rid;
END;
$$;

COMMENT ON FUNCTION anomaly.apply_template(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
'Adds a rule to `metric` from the rule template `template` (anomaly.rule_templates), named rule_name or after the template. Returns the rule id.';

INSERT INTO anomaly.rule_templates (name, description, method, params, severity, direction, min_abs_deviation,
                                    min_pct_deviation, message_template, playbook, builtin) VALUES
('revenue_zero_day', 'Revenue is zero on a day when it is normally positive.', 'zero_day', '{"lookback": 7}',
 'critical', 'down', 0, 0,
 '{metric}{series} is 0 on {last_ts} (7-day mean {expected})',
 ARRAY['Check payments provider status and checkout errors.', 'Check that the revenue ETL ran and loaded the day.', 'Place a test order.'], true),
('revenue_drop', 'Revenue falls well below its robust 4-week baseline.', 'mad_zscore',
 '{"threshold": 3.5, "lookback": 28, "min_history": 14}', 'critical', 'down', 0, 10,
 '{metric}{series} dropped to {value} ({deviation_pct}% vs expected {expected}, range {lower}..{upper})',
 ARRAY['Break revenue down by channel, region and product.', 'Check conversion rate and traffic for the same days.', 'Check releases, outages and pricing changes.'], true),
('revenue_spike', 'Revenue jumps well above its robust 4-week baseline.', 'mad_zscore',
 '{"threshold": 5, "lookback": 28, "min_history": 14}', 'info', 'up', 0, 20,
 '{metric}{series} jumped to {value} ({deviation_pct}% vs expected {expected})',
 ARRAY['Check for a campaign or a large single order.', 'Check for duplicated orders or a double-loaded ETL batch.'], true),
('mrr_contraction', 'The 7-period mean of MRR falls against the 28 periods before.', 'rolling_mean_shift',
 '{"short": 7, "long": 28, "threshold_pct": 5}', 'warning', 'down', 0, 0,
 '{metric}{series}: recent mean {value} is {deviation_pct}% below the previous 28 periods ({expected})',
 ARRAY['List downgrades and cancellations of the period.', 'Check failed renewals (card declines).', 'Compare with new-business MRR.'], true),
('conversion_rate_drop', 'Conversion rate falls against its weekly-adjusted baseline.', 'same_period_last_week',
 '{"threshold_pct": 20, "weeks": 4, "min_weeks": 2}', 'warning', 'down', 0, 0,
 '{metric}{series} is {value}, {deviation_pct}% vs the same weekday of the last weeks ({expected})',
 ARRAY['Check the checkout funnel step by step.', 'Check traffic mix (a new low-intent channel).', 'Check for errors on mobile/desktop separately.'], true),
('churn_spike', 'Churn rises well above its rolling mean.', 'zscore',
 '{"threshold": 3, "lookback": 28, "min_history": 14}', 'warning', 'up', 0, 10,
 '{metric}{series} rose to {value} (expected {expected}, z = {score})',
 ARRAY['List the churned accounts by plan and cohort.', 'Check billing failures and support tickets.', 'Check competitor or pricing news.'], true),
('traffic_cliff', 'Traffic falls by more than half against its recent mean.', 'pct_deviation',
 '{"threshold_pct": 50, "lookback": 7, "min_history": 3}', 'critical', 'down', 0, 0,
 '{metric}{series} fell to {value} ({deviation_pct}% vs the 7-period mean {expected})',
 ARRAY['Check the tracking tag and analytics pipeline.', 'Check DNS, CDN and site availability.', 'Check search ranking and paid campaigns.'], true),
('refund_spike', 'Refunds rise well above their robust baseline.', 'mad_zscore',
 '{"threshold": 4, "lookback": 28, "min_history": 14}', 'warning', 'up', 0, 25,
 '{metric}{series} rose to {value} ({deviation_pct}% vs expected {expected})',
 ARRAY['Group refunds by product and reason.', 'Check for a shipping or quality incident.', 'Check for fraud patterns.'], true),
('support_volume_spike', 'Support tickets rise against the same weekday of the last weeks.', 'same_period_last_week',
 '{"threshold_pct": 50, "weeks": 4, "min_weeks": 2}', 'warning', 'up', 5, 0,
 '{metric}{series}: {value} tickets, {deviation_pct}% above the usual {expected} for this weekday',
 ARRAY['Group tickets by topic.', 'Check for an outage or a confusing release.'], true),
('error_rate_increase', 'Error rate rises several periods in a row.', 'consecutive_direction',
 '{"n": 4, "moving": "up"}', 'warning', 'up', 0, 0,
 '{metric}{series} rose {score} periods in a row to {value} (from {expected})',
 ARRAY['Check the error log grouped by endpoint.', 'Check recent deploys and roll back if correlated.', 'Check dependencies (database, third-party APIs).'], true);
