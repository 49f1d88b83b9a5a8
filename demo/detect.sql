-- make demo: detection with anomaly.mad_zscore on demo.daily_metrics.
--
-- demo.scores(weeks, min_weeks, days, min_days) scores every day of every
-- metric two ways; both compare the day with the same weekday of earlier
-- weeks, because the metrics have a weekly pattern:
--
--   expected     the median of the last `weeks` values of the same weekday
--                (NULL with fewer than `min_weeks` of them)
--   deviation    value / expected - 1
--   z_weekday    anomaly.mad_zscore(value, weeks, min_weeks)
--                  OVER (PARTITION BY metric, isodow ORDER BY day):
--                the value against those same-weekday values
--   z_deviation  anomaly.mad_zscore(deviation, days, min_days)
--                  OVER (PARTITION BY metric ORDER BY day):
--                the deviation against the metric's deviations of the last
--                `days` days (their median is usual_deviation: a growing
--                metric is usually above the median of the weeks before)
--
-- z_weekday measures the spread on only `weeks` points: the median absolute
-- deviation (MAD) of 8 values is a very unsteady yardstick, and |z| > 3.5
-- flags about 1 day in 20 even of independent normal noise (6-7% of the
-- days of the demo data). z_deviation measures the spread on `days` points
-- of the same kind (each day's deviation from its weekday median), which is
-- far steadier; it is the demo's default (see demo/report.sql).
-- Missing days (absent rows or NULL values) are skipped everywhere, as
-- anomaly.mad_zscore skips them: "the last 8 values" are the last 8 known.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS anomaly_detect;

DROP FUNCTION IF EXISTS demo.scores(int, int, int, int);
CREATE FUNCTION demo.scores(weeks int DEFAULT 8, min_weeks int DEFAULT 4,
                            days int DEFAULT 56, min_days int DEFAULT 28)
RETURNS TABLE (metric text, day date, value float8, expected float8, history int, deviation float8,
               usual_deviation float8, z_weekday float8, z_deviation float8)
LANGUAGE sql STABLE
BEGIN ATOMIC
    WITH known AS (
        SELECT d.metric, d.day, d.value,
               array_agg(d.value) OVER (PARTITION BY d.metric, extract(isodow FROM d.day) ORDER BY d.day
                                        ROWS BETWEEN weeks PRECEDING AND 1 PRECEDING) AS same_weekday,
               anomaly.mad_zscore(d.value, weeks, min_weeks)
                   OVER (PARTITION BY d.metric, extract(isodow FROM d.day) ORDER BY d.day) AS z_weekday
        FROM demo.daily_metrics d
        WHERE d.value IS NOT NULL AND d.value NOT IN ('NaN', 'Infinity', '-Infinity')
    ), expected AS (
        SELECT k.metric, k.day, k.value, k.z_weekday, cardinality(k.same_weekday) AS history,
               CASE WHEN cardinality(k.same_weekday) >= min_weeks
                    THEN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(k.same_weekday) v)
               END AS expected
        FROM known k
    ), deviation AS (
        SELECT e.*, CASE WHEN e.expected > 0 THEN e.value / e.expected - 1 END AS deviation
        FROM expected e
    ), scored AS (
        -- only the rows with a deviation: "the last `days` deviations" are the last known ones
        SELECT v.metric, v.day,
               array_agg(v.deviation) OVER w AS previous,
               anomaly.mad_zscore(v.deviation, days, min_days) OVER (PARTITION BY v.metric ORDER BY v.day) AS z
        FROM deviation v
        WHERE v.deviation IS NOT NULL
        WINDOW w AS (PARTITION BY v.metric ORDER BY v.day ROWS BETWEEN days PRECEDING AND 1 PRECEDING)
    )
    SELECT v.metric, v.day, v.value, v.expected, coalesce(v.history, 0), v.deviation,
           CASE WHEN cardinality(s.previous) >= min_days
                THEN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY p) FROM unnest(s.previous) p)
           END,
           v.z_weekday, s.z
    FROM deviation v
    LEFT JOIN scored s ON s.metric = v.metric AND s.day = v.day;
END;

COMMENT ON FUNCTION demo.scores(int, int, int, int) IS
'make demo: every known day of every metric with its expected value (median of the same weekday of the last `weeks` weeks), its deviation from it, and two modified z-scores; see demo/detect.sql';

-- Raises an error: psql scripts use it to stop with a message.
CREATE OR REPLACE FUNCTION demo.fail(message text) RETURNS void
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION '%', message; END $$;

-- |x| as a percentage: "41%", "7.9%", "0.3%".
CREATE OR REPLACE FUNCTION demo.percent(x float8) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN abs(x) < 0.095 THEN to_char(abs(100 * x), 'FM990.0')
                ELSE to_char(abs(100 * x), 'FM999,990') END || '%';

-- A number as the report prints it: thousands separators, `decimals` places
-- (none from 10,000 on).
CREATE OR REPLACE FUNCTION demo.fmt(x float8, decimals int) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE
        WHEN x IS NULL THEN NULL
        WHEN x = 0 THEN '0'
        WHEN abs(x) >= 10000 OR decimals <= 0 THEN to_char(round(x::numeric), 'FM999,999,999,990')
        ELSE to_char(round(x::numeric, decimals), 'FM999,999,999,990.' || repeat('0', decimals))
    END;

-- "41% below the median of the last 8 Tuesdays", plus ", usually 3.0% above"
-- when the metric usually sits well above or below that median (a growing
-- metric does) and that matters for this deviation.
DROP FUNCTION IF EXISTS demo.why(float8, float8, int, date, float8);
CREATE FUNCTION demo.why(value float8, expected float8, history int, day date,
                         usual_deviation float8 DEFAULT NULL) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN expected = 0 THEN 'the median' ELSE
               demo.percent(value / expected - 1)
               || CASE WHEN value >= expected THEN ' above' ELSE ' below' END || ' the median'
           END
        || ' of the last ' || CASE WHEN history = 1 THEN '' ELSE history || ' ' END
        || to_char(day, 'FMDay') || CASE WHEN history = 1 THEN '' ELSE 's' END
        || CASE WHEN expected = 0 THEN ' is 0'
                WHEN abs(usual_deviation) >= 0.005 AND abs(usual_deviation) >= abs(value / expected - 1) / 3
                THEN ', usually ' || demo.percent(usual_deviation)
                     || CASE WHEN usual_deviation > 0 THEN ' above' ELSE ' below' END
                ELSE '' END;
