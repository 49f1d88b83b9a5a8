---------------------------------------------------------------------------
-- Monitoring layer, part 4: the known-events calendar.
-- Recurring events are expanded on the fly (session time zone), so a yearly
-- sale or "4th Thursday of November" is entered once. Detectors (seasonal
-- forecasting later) read the same function.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.event_start_in_year(first_start pg_catalog.timestamptz, recurrence pg_catalog.text,
                                            year pg_catalog.int4)
    RETURNS pg_catalog.timestamptz
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month int := date_part('month', first_start);
    dow int := date_part('dow', first_start);
    nth int := (date_part('day', first_start)::int - 1) / 7 + 1;
    time_of_day interval := first_start - date_trunc('day', first_start);
    d date;
BEGIN
    CASE recurrence
    WHEN 'none' THEN
        RETURN CASE WHEN date_part('year', first_start) = year THEN first_start END;
    WHEN 'yearly' THEN
        RETURN first_start + make_interval(years => year - date_part('year', first_start)::int);
    WHEN 'nth_weekday' THEN
        d := make_date(year, month, 1);
        d := d + (dow - date_part('dow', d)::int + 7) % 7 + 7 * (nth - 1);
        RETURN CASE WHEN date_part('month', d) = month THEN (d + time_of_day)::timestamptz END;
    WHEN 'last_weekday' THEN
        d := (make_date(year, month, 1) + '1 month'::interval - '1 day'::interval)::date;
        d := d - (date_part('dow', d)::int - dow + 7) % 7;
        RETURN (d + time_of_day)::timestamptz;
    ELSE
        RAISE EXCEPTION 'recurrence must be none, yearly, nth_weekday or last_weekday, not %', recurrence
            USING ERRCODE = '22023';
    END CASE;
END;
$$;

COMMENT ON FUNCTION anomaly.event_start_in_year(pg_catalog.timestamptz, pg_catalog.text, pg_catalog.int4) IS
'Start of a recurring event''s occurrence in `year` (session time zone), from the start of its first occurrence: yearly = same date and time; nth_weekday = same n-th weekday of the same month (NULL when the month has no such day); last_weekday = last such weekday of the month; none = the first start if it falls in that year.';

CREATE FUNCTION anomaly.event_occurrences(range_start pg_catalog.timestamptz, range_end pg_catalog.timestamptz)
    RETURNS TABLE(event_id pg_catalog.int4, name pg_catalog.text, during pg_catalog.tstzrange,
                  affected_metrics pg_catalog.text[], dimension_filter pg_catalog.jsonb,
                  expected_impact pg_catalog.text, suppress_alerts pg_catalog.bool)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT o.id, o.name, o.occ, o.affected_metrics, o.dimension_filter, o.expected_impact, o.suppress_alerts
    FROM (
        SELECT e.*,
               CASE WHEN e.recurrence = 'none' THEN e.during
                    ELSE pg_catalog.tstzrange(s.start, s.start + (pg_catalog.upper(e.during) - pg_catalog.lower(e.during)),
                                              CASE WHEN pg_catalog.upper_inc(e.during) THEN '[]' ELSE '[)' END) END AS occ
        FROM anomaly.expected_events e
        CROSS JOIN LATERAL (
            SELECT anomaly.event_start_in_year(pg_catalog.lower(e.during), e.recurrence, y) AS start
            FROM pg_catalog.generate_series(pg_catalog.date_part('year', range_start)::int - 1,
                                            pg_catalog.date_part('year', range_end)::int) AS y
            WHERE e.recurrence <> 'none'
            UNION ALL
            SELECT pg_catalog.lower(e.during) WHERE e.recurrence = 'none'
        ) AS s
        WHERE s.start IS NOT NULL
          AND s.start >= pg_catalog.lower(e.during)
          AND (e.recur_until IS NULL OR s.start <= e.recur_until)
    ) AS o
    WHERE o.occ && pg_catalog.tstzrange(range_start, range_end, '[]')
    ORDER BY pg_catalog.lower(o.occ), o.id;
END;
$$;

COMMENT ON FUNCTION anomaly.event_occurrences(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
'Every occurrence of the known events (anomaly.expected_events) overlapping [range_start, range_end], recurring events expanded in the session time zone: yearly = same date and time each year; nth_weekday = same n-th weekday of the same month (n from the first occurrence, years without a 5th one are skipped); last_weekday = last such weekday of the month. Occurrences keep the first one''s duration and never start before it or after recur_until.';

-- The suppressing event of a point of a metric's series, if any.
CREATE FUNCTION anomaly.suppressing_event(metric pg_catalog.text, series pg_catalog.jsonb, ts pg_catalog.timestamptz)
    RETURNS pg_catalog.text
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM anomaly.expected_events e WHERE e.suppress_alerts) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT o.name FROM anomaly.event_occurrences(ts, ts) AS o
            WHERE o.suppress_alerts AND o.during @> ts
              AND (o.affected_metrics = '{}' OR metric = ANY (o.affected_metrics))
              AND (o.dimension_filter IS NULL OR series @> o.dimension_filter)
            ORDER BY lower(o.during), o.name
            LIMIT 1);
END;
$$;

COMMENT ON FUNCTION anomaly.suppressing_event(pg_catalog.text, pg_catalog.jsonb, pg_catalog.timestamptz) IS
'Name of the first suppressing known event covering point ts of the metric''s series (all metrics when affected_metrics is empty; dimension_filter must be contained in the series), else NULL.';
