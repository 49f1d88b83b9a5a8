-- make demo: two years of daily business metrics with planted anomalies.
--
-- Creates schema "demo" (dropped first if it exists):
--   demo.metrics            one row per metric: unit, magnitude and the shape of
--                           its series (growth, weekly pattern, yearly season,
--                           slow drift, day-to-day noise)
--   demo.daily_metrics      (metric, day, value): 22 metrics x 2023-01-01..2024-12-31,
--                           a few days missing (rows absent) or NULL
--   demo.planted_anomalies  (metric, day, kind, factor, story): what was planted
--
-- The data is identical on every run and every machine: the "random" numbers
-- are hashes of (metric, day, salt), not random(). Each value is
--   base * growth^t * weekly[weekday] * yearly season * drift * noise
-- rounded like the metric is reported, then the anomalies are planted.
-- Run with psql: psql -d anomaly_demo -f demo/demo_data.sql
-- (-v seed=N: another draw of the same model; make demo uses seed 1).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?seed}
\else
  \set seed 1
\endif

BEGIN;

DROP SCHEMA IF EXISTS demo CASCADE;
CREATE SCHEMA demo;
COMMENT ON SCHEMA demo IS 'make demo: generated daily business metrics, planted anomalies, detection';

-- A uniform number in (0, 1), the same for the same (key, salt) everywhere.
CREATE FUNCTION demo.uniform(key text, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ((hashtextextended(key, salt + 1000 * :seed) & 4503599627370495)::float8 + 0.5) / 4503599627370496.0;

-- A standard normal number (Box-Muller), the same for the same (key, salt).
CREATE FUNCTION demo.gaussian(key text, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sqrt(-2.0 * ln(demo.uniform(key, 2 * salt))) * cos(2.0 * pi() * demo.uniform(key, 2 * salt + 1));

CREATE TABLE demo.metrics (
    metric      text PRIMARY KEY,
    unit        text NOT NULL,
    description text NOT NULL,
    base        float8 NOT NULL,   -- typical value on 2023-01-01
    growth      float8 NOT NULL,   -- per year: 0.25 = +25 %/year
    weekly      float8[] NOT NULL, -- factor per ISO weekday, Monday first
    yearly_amp  float8 NOT NULL,   -- yearly season: +/- this fraction ...
    yearly_peak int NOT NULL,      -- ... peaking on this day of the year
    drift       float8 NOT NULL,   -- slow drift (campaigns, releases, market): sd of log value
    noise       float8 NOT NULL,   -- day-to-day noise: sd of log value
    counts      bool NOT NULL,     -- a count of events: Poisson noise on top
    decimals    int NOT NULL       -- reported precision
);

INSERT INTO demo.metrics VALUES
-- metric                   unit       description                                    base     growth  weekly (Mon .. Sun)                          yearly     drift  noise  counts decimals
('revenue',                'USD',     'gross revenue of the day',                     48000,   0.25, '{1.00,1.02,1.03,1.01,1.04,0.93,0.88}', 0.08, 340, 0.050, 0.045, false, 2),
('orders',                 'orders',  'orders placed',                                 1200,   0.22, '{1.00,1.02,1.03,1.01,1.03,0.92,0.86}', 0.08, 340, 0.050, 0.030, true,  0),
('aov',                    'USD',     'average order value',                             40,   0.03, '{0.99,0.99,0.99,1.00,1.01,1.02,1.03}', 0.02, 340, 0.020, 0.025, false, 2),
('mrr',                    'USD',     'monthly recurring revenue (end of day)',      820000,   0.35, '{1,1,1,1,1,1,1}',                      0.00,   1, 0.002, 0.002, false, 0),
('paying_customers',       'customers','paying customers (end of day)',                9800,   0.30, '{1,1,1,1,1,1,1}',                      0.00,   1, 0.003, 0.0015, false, 0),
('new_signups',            'accounts','accounts created',                               350,   0.30, '{1.10,1.15,1.12,1.05,0.95,0.62,0.66}', 0.05, 260, 0.050, 0.035, true,  0),
('trial_starts',           'trials',  'free trials started',                            260,   0.30, '{1.10,1.12,1.10,1.05,0.95,0.70,0.72}', 0.05, 260, 0.050, 0.035, true,  0),
('churned_customers',      'customers','customers who cancelled',                        18,   0.10, '{1.15,1.05,1.00,1.00,1.10,0.80,0.72}', 0.04,  15, 0.050, 0.080, true,  0),
('conversion_rate',        '%',       'sessions that ended in an order',               2.80,   0.05, '{1.00,1.02,1.02,1.00,0.97,0.93,0.95}', 0.06, 330, 0.040, 0.035, false, 2),
('cart_abandonment_rate',  '%',       'carts not checked out',                         69.0,   0.00, '{0.99,0.99,0.99,1.00,1.00,1.02,1.02}', 0.01, 180, 0.012, 0.012, false, 1),
('sessions',               'sessions','web and app sessions',                         60000,   0.20, '{1.05,1.06,1.05,1.03,0.98,0.88,0.90}', 0.07, 330, 0.050, 0.035, false, 0),
('active_users',           'users',   'daily active users',                           24000,   0.28, '{1.05,1.07,1.07,1.05,0.98,0.78,0.80}', 0.04, 300, 0.025, 0.020, false, 0),
('avg_session_duration_s', 's',       'average session duration',                       310,   0.02, '{0.97,0.97,0.98,0.98,1.00,1.06,1.08}', 0.03,  20, 0.025, 0.030, false, 0),
('refunds',                'refunds', 'refunds issued',                                  38,   0.15, '{1.20,1.10,1.00,1.00,1.00,0.80,0.80}', 0.05,  20, 0.050, 0.070, true,  0),
('support_tickets',        'tickets', 'support tickets opened',                         180,   0.12, '{1.25,1.15,1.10,1.05,1.00,0.45,0.40}', 0.05,  20, 0.060, 0.050, true,  0),
('cac',                    'USD',     'customer acquisition cost',                      380,   0.08, '{1.00,0.98,0.98,1.00,1.02,1.06,1.08}', 0.05, 340, 0.060, 0.070, false, 2),
('ad_spend',               'USD',     'paid marketing spend',                          9500,   0.20, '{1.00,1.00,1.00,1.00,1.00,1.08,1.10}', 0.10, 330, 0.070, 0.040, false, 2),
('email_open_rate',        '%',       'marketing emails opened',                       21.5,  -0.03, '{1.05,1.08,1.06,1.03,0.97,0.88,0.92}', 0.04, 100, 0.040, 0.045, false, 1),
('gross_margin_pct',       '%',       'gross margin',                                  42.0,   0.02, '{1,1,1,1,1,1.01,1.01}',                0.01, 340, 0.010, 0.010, false, 1),
('page_errors',            'errors',  'HTTP 5xx responses',                             420,   0.05, '{1.05,1.08,1.08,1.05,1.00,0.82,0.80}', 0.05, 330, 0.100, 0.100, true,  0),
('api_latency_ms',         'ms',      'p95 API latency',                                145,  -0.05, '{1.04,1.05,1.05,1.03,1.00,0.92,0.91}', 0.03, 330, 0.050, 0.040, false, 1),
('checkout_failures',      'failures','payments declined or failed at checkout',        60,  -0.10, '{1.02,1.03,1.03,1.02,1.02,0.95,0.93}', 0.05, 330, 0.080, 0.070, true,  0);

CREATE TABLE demo.daily_metrics (
    metric text NOT NULL REFERENCES demo.metrics,
    day    date NOT NULL,
    value  float8,
    PRIMARY KEY (metric, day)
);
COMMENT ON TABLE demo.daily_metrics IS 'make demo: one value per metric and day; missing days are absent rows or NULL values';

-- The anomalies planted below. A level shift lasts from its day to the end.
CREATE TABLE demo.planted_anomalies (
    metric text NOT NULL REFERENCES demo.metrics,
    day    date NOT NULL,
    kind   text NOT NULL CHECK (kind IN ('spike', 'drop', 'zero', 'level_shift')),
    factor float8 NOT NULL,   -- the value was multiplied by this (0 for a zero-day)
    story  text NOT NULL,
    PRIMARY KEY (metric, day)
);

INSERT INTO demo.planted_anomalies VALUES
('orders',                 '2023-03-14', 'zero',        0,    'checkout outage: no orders recorded'),
('revenue',                '2023-03-14', 'zero',        0,    'checkout outage: no revenue recorded'),
('sessions',               '2023-05-22', 'spike',       2.3,  'bot traffic'),
('page_errors',            '2023-06-08', 'spike',       4.0,  'incident: bad deploy'),
('api_latency_ms',         '2023-06-08', 'spike',       2.4,  'incident: bad deploy'),
('checkout_failures',      '2023-06-08', 'spike',       3.5,  'incident: bad deploy'),
('conversion_rate',        '2023-06-08', 'drop',        0.6,  'incident: bad deploy'),
('mrr',                    '2023-08-01', 'level_shift', 1.06, 'price increase'),
('new_signups',            '2023-09-18', 'drop',        0.45, 'signup form broken on mobile'),
('refunds',                '2023-10-05', 'spike',       3.0,  'defective product batch'),
('revenue',                '2023-11-24', 'spike',       2.1,  'Black Friday'),
('orders',                 '2023-11-24', 'spike',       1.9,  'Black Friday'),
('trial_starts',           '2023-12-27', 'zero',        0,    'trial service down'),
('support_tickets',        '2024-01-15', 'spike',       2.6,  'login problems after an app update'),
('ad_spend',               '2024-02-12', 'spike',       2.2,  'campaign budget misconfigured'),
('cac',                    '2024-02-12', 'spike',       2.0,  'campaign budget misconfigured'),
('active_users',           '2024-03-04', 'level_shift', 0.85, 'a large customer left'),
('aov',                    '2024-03-20', 'spike',       1.6,  'bulk B2B orders'),
('email_open_rate',        '2024-04-10', 'drop',        0.5,  'newsletter landed in spam folders'),
('support_tickets',        '2024-05-02', 'zero',        0,    'helpdesk integration down'),
('trial_starts',           '2024-05-20', 'drop',        0.55, 'trial page returned errors'),
('churned_customers',      '2024-06-03', 'spike',       2.8,  'failed card retries cancelled accounts'),
('avg_session_duration_s', '2024-07-08', 'drop',        0.6,  'tracking bug in the web app'),
('api_latency_ms',         '2024-08-19', 'level_shift', 1.35, 'release with a slow query'),
('new_signups',            '2024-08-05', 'spike',       1.35, 'mention in a popular newsletter'),
('gross_margin_pct',       '2024-09-09', 'drop',        0.85, 'supplier price increase, not yet passed on'),
('sessions',               '2024-10-01', 'drop',        0.8,  'CDN outage in one region'),
('cart_abandonment_rate',  '2024-10-14', 'spike',       1.2,  'payment provider slow'),
('paying_customers',       '2024-11-04', 'level_shift', 0.97, 'billing clean-up removed inactive accounts'),
('revenue',                '2024-11-29', 'spike',       2.0,  'Black Friday'),
('orders',                 '2024-11-29', 'spike',       1.8,  'Black Friday'),
('refunds',                '2024-12-31', 'spike',       2.6,  'year-end returns');

-- The clean series: the expected value times day-to-day noise, plus Poisson
-- noise (sd = sqrt(mean)) for counts of events.
INSERT INTO demo.daily_metrics (metric, day, value)
SELECT metric, day,
       round(greatest(0, CASE WHEN counts THEN mean + sqrt(mean) * demo.gaussian(key, 2) ELSE mean END)::numeric,
             decimals)::float8
FROM (
    SELECT m.metric, d.day, m.counts, m.decimals, m.metric || ':' || d.t AS key,
           m.base
           * power(1 + m.growth, d.t / 365.25)
           * m.weekly[extract(isodow FROM d.day)::int]
           * (1 + m.yearly_amp * cos(2 * pi() * (extract(doy FROM d.day) - m.yearly_peak) / 365.25))
           -- slow drift: three slow waves with metric-specific periods (10-40 weeks) and phases
           * exp(m.drift * sqrt(2.0 / 3) * (
                   sin(2 * pi() * d.t / (70 + 210 * demo.uniform(m.metric, 101)) + 2 * pi() * demo.uniform(m.metric, 201))
                 + sin(2 * pi() * d.t / (70 + 210 * demo.uniform(m.metric, 102)) + 2 * pi() * demo.uniform(m.metric, 202))
                 + sin(2 * pi() * d.t / (70 + 210 * demo.uniform(m.metric, 103)) + 2 * pi() * demo.uniform(m.metric, 203))))
           * exp(m.noise * demo.gaussian(m.metric || ':' || d.t, 1)) AS mean
    FROM demo.metrics m
    CROSS JOIN LATERAL (SELECT g::date AS day, (g::date - date '2023-01-01')::float8 AS t
                        FROM generate_series(date '2023-01-01', date '2024-12-31', interval '1 day') g) d
) x;

-- Plant the anomalies: a spike, drop or zero-day changes one day, a level
-- shift every day from its start.
UPDATE demo.daily_metrics v
SET    value = round((v.value * p.factor)::numeric, m.decimals)::float8
FROM   demo.planted_anomalies p JOIN demo.metrics m USING (metric)
WHERE  v.metric = p.metric
AND    (v.day = p.day OR (p.kind = 'level_shift' AND v.day > p.day));

-- Missing data: two days the whole pipeline failed (rows absent), a week of
-- email_open_rate lost, and about 1 value in 300 NULL (never on a planted day).
DELETE FROM demo.daily_metrics WHERE day IN ('2023-04-17', '2024-06-26');
DELETE FROM demo.daily_metrics WHERE metric = 'email_open_rate' AND day BETWEEN '2023-10-09' AND '2023-10-13';
UPDATE demo.daily_metrics v
SET    value = NULL
WHERE  demo.uniform(v.metric || ':' || (v.day - date '2023-01-01'), 999) < 1.0 / 300
AND    NOT EXISTS (SELECT FROM demo.planted_anomalies p WHERE p.metric = v.metric AND p.day = v.day);

COMMIT;

ANALYZE demo.metrics, demo.daily_metrics, demo.planted_anomalies;
