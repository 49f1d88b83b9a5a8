-- The seasonal detectors as rule methods: a shop whose orders dip every
-- weekend. The weekend dips are its normal pattern; a Wednesday outage is
-- not. Each method is one evaluator plus one row of anomaly.rule_methods.
SET TIME ZONE 'UTC';
CREATE SCHEMA seasonal_shop;
-- 26 weeks of daily orders: a slow trend, weekends at 60 %, a deterministic
-- wobble of +/- 2 % (hashint4), a promotion on three Wednesdays that lifts
-- the orders by half, and on Wednesday 2026-06-03 an outage that halves
-- them.
CREATE TABLE seasonal_shop.orders AS
SELECT date '2026-01-01' + d AS day,
       round((1000 * (1 + 0.001 * d)
              * CASE WHEN extract(isodow FROM date '2026-01-01' + d) >= 6 THEN 0.6 ELSE 1 END
              * (1 + 0.02 * ((hashint4(d) & 1023) / 511.5 - 1))
              * CASE WHEN date '2026-01-01' + d = date '2026-06-03' THEN 0.5 ELSE 1 END
              * CASE WHEN date '2026-01-01' + d IN ('2026-02-11', '2026-04-08', '2026-05-13') THEN 1.5 ELSE 1 END
             )::numeric, 1)::float8 AS orders
FROM generate_series(0, 181) AS d;

-- The promotions are known events that do not suppress alerts: the
-- seasonal forecast learns their effect from the earlier ones.
INSERT INTO anomaly.expected_events (name, during, affected_metrics, expected_impact, suppress_alerts)
SELECT 'wednesday promo', tstzrange(d::timestamptz, (d + 1)::timestamptz), ARRAY['seasonal_orders'], 'orders +50 %', false
FROM unnest(ARRAY[date '2026-02-11', '2026-04-08', '2026-05-13']) AS d;

SELECT anomaly.add_metric('seasonal_orders', source => 'seasonal_shop.orders'::regclass, time_column => 'day',
                          value_column => 'orders', frequency => '1 day', good_direction => 'up',
                          default_rules => false) > 0 AS added;

-- The registry says what the methods are.
SELECT method, layer, param_defaults, false_positive_rate
FROM anomaly.rule_methods WHERE method IN ('seasonal_forecast', 'stl_residual') ORDER BY method;

-- Parameters are checked when a rule is written.
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'seasonal_forecast', '{"options": {"interval_width": 0.8}}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'seasonal_forecast', '{"options": {"weekly_seasonality": "often"}}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'seasonal_forecast', '{"options": [1]}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'seasonal_forecast', '{"interval_width": 1.5}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'stl_residual', '{"period": 1}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'stl_residual', '{"history": 14}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'stl_residual', '{"robust": "yes"}' FROM anomaly.metrics WHERE name = 'seasonal_orders';

-- The rule a user would write, and for comparison the robust z-score that
-- knows nothing of weekdays.
INSERT INTO anomaly.rules (metric_id, name, method, params, severity)
SELECT id, 'seasonal', 'seasonal_forecast', '{"options": {"yearly_seasonality": false}}', 'critical'
FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'stl', 'stl_residual', '{}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'robust', 'mad_zscore', '{"threshold": 3.5}' FROM anomaly.metrics WHERE name = 'seasonal_orders';
SELECT name, layer, params, history FROM anomaly.rules r
WHERE metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'seasonal_orders') ORDER BY name;

-- The evaluator is a function a user can call: it returns what the window
-- function says, point by point.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(orders ORDER BY day) AS v
           FROM seasonal_shop.orders),
     e AS (SELECT e.* FROM s, anomaly.rule_seasonal_forecast(s.t, s.v, '{"options": {"yearly_seasonality": false}}') AS e),
     w AS (SELECT day::timestamptz AS ts,
                  anomaly.seasonal_forecast(day, orders, '{"yearly_seasonality": false}')
                      OVER (ORDER BY day) AS f
           FROM seasonal_shop.orders)
SELECT count(*) AS points,
       count(e.expected) AS forecast,
       count(*) FILTER (WHERE e.expected IS NOT DISTINCT FROM (w.f).yhat
                          AND e.lower IS NOT DISTINCT FROM (w.f).yhat - 2 * ((w.f).yhat - (w.f).yhat_lower)
                          AND e.upper IS NOT DISTINCT FROM (w.f).yhat + 2 * ((w.f).yhat_upper - (w.f).yhat)
                          AND e.score IS NOT DISTINCT FROM (w.f).score) AS same_as_window,
       count(*) FILTER (WHERE e.is_anomaly) AS anomalies
FROM e JOIN w USING (ts);

-- The same for stl_residual: the score is the window function's, the
-- expected value is the value minus the STL residual, and the range is
-- symmetric around it.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(orders ORDER BY day) AS v
           FROM seasonal_shop.orders),
     e AS (SELECT e.* FROM s, anomaly.rule_stl_residual(s.t, s.v, '{}') AS e),
     w AS (SELECT day::timestamptz AS ts, anomaly.stl_residual(orders) OVER (ORDER BY day) AS z
           FROM seasonal_shop.orders)
SELECT count(*) AS points, count(e.score) AS scored,
       count(*) FILTER (WHERE e.score IS NOT DISTINCT FROM w.z) AS same_as_window,
       count(*) FILTER (WHERE abs((e.lower + e.upper) / 2 - e.expected) < 1e-6 * e.expected) AS symmetric_range,
       count(*) FILTER (WHERE e.is_anomaly) AS anomalies
FROM e JOIN w USING (ts);

-- From run_checks (with the metric's frequency), points are scored in fixed
-- blocks, each from the same history before it: a point's score does not
-- depend on where the arrays start, as long as they hold that history.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(orders ORDER BY day) AS v FROM seasonal_shop.orders),
     f1 AS (SELECT f.* FROM s, anomaly.rule_seasonal_forecast(s.t, s.v,
                '{"history_periods": 60, "frequency": "1 day", "from": "2026-06-01"}') f),
     f2 AS (SELECT f.* FROM s, anomaly.rule_seasonal_forecast(s.t[30:], s.v[30:],
                '{"history_periods": 60, "frequency": "1 day", "from": "2026-06-01"}') f),
     r1 AS (SELECT r.* FROM s, anomaly.rule_stl_residual(s.t, s.v, '{"frequency": "1 day", "from": "2026-06-20"}') r),
     r2 AS (SELECT r.* FROM s, anomaly.rule_stl_residual(s.t[20:], s.v[20:], '{"frequency": "1 day", "from": "2026-06-20"}') r)
SELECT (SELECT count(*) FROM f1) AS forecast_points,
       (SELECT count(*) FROM f1 JOIN f2 USING (ts) WHERE f1.score IS NOT DISTINCT FROM f2.score
                                                    AND f1.expected IS NOT DISTINCT FROM f2.expected
                                                    AND f1.score IS NOT NULL) AS forecast_same,
       (SELECT count(*) FROM r1) AS stl_points,
       (SELECT count(*) FROM r1 JOIN r2 USING (ts) WHERE r1.score IS NOT DISTINCT FROM r2.score
                                                    AND r1.score IS NOT NULL) AS stl_same;

-- Only the points from "from" on, and causal: scoring a prefix gives the
-- same rows.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(orders ORDER BY day) AS v FROM seasonal_shop.orders)
SELECT (SELECT count(*) FROM s, anomaly.rule_seasonal_forecast(s.t, s.v, '{"from": "2026-06-01"}')) AS from_june,
       (SELECT count(*) FROM s, anomaly.rule_seasonal_forecast(s.t[1:160], s.v[1:160], '{}') a
        JOIN anomaly.rule_seasonal_forecast(s.t, s.v, '{}') b USING (ts)
        WHERE a.score IS NOT DISTINCT FROM b.score AND a.expected IS NOT DISTINCT FROM b.expected) AS prefix_same;

-- The check: both seasonal rules fire on the outage; the forecast fires on
-- the first promotion only (it learns the event's effect from it), the
-- others on every promotion; the robust z-score, blind to weekdays, also
-- fires on weekends.
CALL anomaly.run_checks(as_of => '2026-07-01', metrics => '{seasonal_orders}') \gset
SELECT r.name, count(*) AS hits,
       count(*) FILTER (WHERE extract(isodow FROM h.ts) >= 6) AS weekend_hits,
       count(*) FILTER (WHERE h.ts = '2026-06-03') AS outage_hit,
       array_agg(h.ts::date ORDER BY h.ts) FILTER (WHERE h.ts::date IN ('2026-02-11', '2026-04-08', '2026-05-13')) AS promo_hits
FROM anomaly.rule_hits h JOIN anomaly.rules r ON r.id = h.rule_id
WHERE h.metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'seasonal_orders')
GROUP BY r.name ORDER BY r.name;
SELECT r.name, h.ts::date, h.value, round(h.expected) AS expected, round(h.lower) AS lower, round(h.upper) AS upper,
       round(h.score::numeric, 1) AS score, h.severity, h.direction
FROM anomaly.rule_hits h JOIN anomaly.rules r ON r.id = h.rule_id
WHERE r.name IN ('seasonal', 'stl') AND h.metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'seasonal_orders')
ORDER BY r.name, h.ts;
-- The incident that holds the outage carries the seasonal rule's critical
-- severity and its peak: the outage's value against the forecast.
SELECT l.severity, l.value, round(l.expected) AS expected, round(l.lower) AS lower, round(l.upper) AS upper,
       round(l.deviation_pct) AS deviation_pct, l.direction,
       (SELECT array_agg(r.name ORDER BY r.name) FROM anomaly.rules r WHERE r.id = ANY (l.rule_ids)) AS rules
FROM anomaly.anomaly_log l
WHERE l.metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'seasonal_orders')
  AND '2026-06-03' BETWEEN l.first_ts AND l.last_ts;

DELETE FROM anomaly.metrics WHERE name = 'seasonal_orders';
DELETE FROM anomaly.expected_events WHERE name = 'wednesday promo';
DROP SCHEMA seasonal_shop CASCADE;
RESET TIME ZONE;
