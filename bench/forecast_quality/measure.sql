-- The quality figures of the seasonal forecast on fq_metrics (see
-- generate_metrics.sql). Prints "name value" lines; psql variables: from_day
-- (first held-out day scored), component_series (how many series get a
-- whole-series fit for the component check).
--
-- Held-out: every window forecast is made before its day is seen (causal,
-- one step ahead), so every scored day is held out of the fit that forecasts
-- it. Days before from_day are the warm-up.
CREATE TEMP TABLE fq_window AS
SELECT series, day, value,
       anomaly.seasonal_forecast(ts, value, jsonb_build_object('seasonality_mode', mode)) OVER w AS f,
       lag(value, 7) OVER w AS seasonal_naive
FROM fq_metrics
WINDOW w AS (PARTITION BY series ORDER BY ts);

-- (a) interval coverage of the held-out days (nominal 0.9).
SELECT 'coverage ' || round(avg((abs((f).score) <= 1)::int)::numeric, 4)
FROM fq_window WHERE day >= :from_day AND (f).score IS NOT NULL;
SELECT 'coverage_additive ' || round(avg((abs((f).score) <= 1)::int)::numeric, 4)
FROM fq_window JOIN fq_params USING (series) WHERE mode = 'additive' AND day >= :from_day AND (f).score IS NOT NULL;
SELECT 'coverage_multiplicative ' || round(avg((abs((f).score) <= 1)::int)::numeric, 4)
FROM fq_window JOIN fq_params USING (series) WHERE mode = 'multiplicative' AND day >= :from_day AND (f).score IS NOT NULL;
SELECT 'coverage_second_year ' || round(avg((abs((f).score) <= 1)::int)::numeric, 4)
FROM fq_window WHERE day >= 365 AND (f).score IS NOT NULL;

-- (b) one-step MASE against the seasonal-naive forecast (value 7 days
-- before) on the same held-out days: the share of series where the model's
-- mean absolute error is the smaller, and the median ratio of the two.
CREATE TEMP TABLE fq_mae AS
SELECT series, avg(abs(value - (f).yhat)) AS model, avg(abs(value - seasonal_naive)) AS naive
FROM fq_window WHERE day >= :from_day AND (f).yhat IS NOT NULL AND seasonal_naive IS NOT NULL
GROUP BY series;
SELECT 'mase_better_share ' || round(avg((model < naive)::int)::numeric, 4) FROM fq_mae;
SELECT 'mase_median_ratio ' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY model / naive))::numeric, 4) FROM fq_mae;

-- (c) components of a whole-series fit (anomaly.forecast) against the
-- generating ones: per-series correlation; the figure is the 10th percentile
-- over series (the bar asks >= 0.95 on at least 90% of series), plus the median.
CREATE TEMP TABLE fq_components AS
SELECT p.series, corr(f.weekly, m.weekly_true) AS weekly, corr(f.yearly, m.yearly_true) AS yearly
FROM fq_params p
CROSS JOIN LATERAL (SELECT array_agg(ts ORDER BY ts) AS t, array_agg(value ORDER BY ts) AS v
                    FROM fq_metrics m WHERE m.series = p.series) a
CROSS JOIN LATERAL anomaly.forecast(a.t, a.v, 0, jsonb_build_object('seasonality_mode', p.mode)) f
JOIN fq_metrics m ON m.series = p.series AND m.ts = f.ts
WHERE p.series <= :component_series
GROUP BY p.series;
SELECT 'weekly_corr_p10 ' || round((percentile_cont(0.1) WITHIN GROUP (ORDER BY weekly))::numeric, 4) FROM fq_components;
SELECT 'weekly_corr_median ' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY weekly))::numeric, 4) FROM fq_components;
SELECT 'yearly_corr_p10 ' || round((percentile_cont(0.1) WITHIN GROUP (ORDER BY yearly))::numeric, 4) FROM fq_components;
SELECT 'yearly_corr_median ' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY yearly))::numeric, 4) FROM fq_components;
SELECT 'component_series ' || count(*) FROM fq_components;
