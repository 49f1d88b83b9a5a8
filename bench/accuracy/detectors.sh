# The detectors of the accuracy benchmark, each alone, through SQL (sourced by run.sh).
# Each entry: a name, the function it needs (to_regprocedure text: absent = "not built"), and
# a query over acc.series / acc.params returning (metric, ts) of every ALERTING point.
# Thresholds are fixed a priori from each detector's documented meaning, never tuned on the
# benchmark, and are the same for the generated data and NAB:
#   mad_zscore         |z| > 3.5 (Iglewicz and Hoaglin), defaults lookback 28, min_history 7
#   stl_residual       |score| > 3.5 (its score is scaled like mad_zscore), period and history from acc.params
#   seasonal_forecast  |score| > 1.5: beyond 1.5 half-widths of the 95 % interval (interval_width
#                      0.95 in acc.params.fc_options, with the metric's known events). Not "outside
#                      the 99 % interval": that interval is the 100th smallest of the last 100
#                      one-step errors (interval_history 100), i.e. their maximum, so one anomaly
#                      blinds the detector for the next 100 points.
#   iforest            window form iforest_score(kpi_features) with its defaults (trailing 256 rows,
#                      refit every 32), alert when >= 0.65 (the paper's s: ~0.5 normal, -> 1
#                      anomalous; its docs suggest 0.65-0.7)
#   drift              drift_score(ts, value, options) with its own baseline and defaults (k 0.5,
#                      h 5 per day, period from the step), the metric's known events;
#                      |score| >= 1 is its documented alert
#   ensemble_anomaly   is_anomaly, default options plus the metric's known events
#   ensemble_anomaly@T the same with option threshold T, for each T in ACC_ENSEMBLE_CURVE
#                      (default "0.99 0.95 0.9"): the ensemble's other operating points, to set it
#                      against each detector alone at the same recall (score.py). The default
#                      threshold is 0.999.
# shellcheck shell=bash
acc_w='WINDOW w AS (PARTITION BY s.metric ORDER BY s.ts)'
acc_from='FROM acc.series s JOIN acc.params p USING (metric)'

det_names=(mad_zscore stl_residual seasonal_forecast iforest drift ensemble_anomaly)
declare -A det_needs det_sql
det_needs[mad_zscore]='anomaly.mad_zscore(float8,int4,int4)'
det_sql[mad_zscore]="SELECT metric, ts FROM (
  SELECT s.metric, s.ts, anomaly.mad_zscore(s.value) OVER w AS z $acc_from $acc_w) q
WHERE abs(z) > 3.5"

det_needs[stl_residual]='anomaly.stl_residual(float8,int4,bool,int4)'
det_sql[stl_residual]="SELECT metric, ts FROM (
  SELECT s.metric, s.ts, anomaly.stl_residual(s.value, p.period, true, p.history) OVER w AS z $acc_from $acc_w) q
WHERE abs(z) > 3.5"

det_needs[seasonal_forecast]='anomaly.seasonal_forecast(timestamptz,float8,jsonb)'
det_sql[seasonal_forecast]="SELECT metric, ts FROM (
  SELECT s.metric, s.ts, anomaly.seasonal_forecast(s.ts, s.value, p.fc_options) OVER w AS f $acc_from $acc_w) q
WHERE abs((f).score) > 1.5"

det_needs[iforest]='anomaly.kpi_features(timestamptz,float8,text) anomaly.iforest_score(float8[],int4,int4,int4,int4,int8)'
det_sql[iforest]="SELECT metric, ts FROM (
  SELECT metric, ts, anomaly.iforest_score(x) OVER (PARTITION BY metric ORDER BY ts) AS a
  FROM (SELECT s.metric, s.ts, anomaly.kpi_features(s.ts, s.value) OVER w AS x $acc_from $acc_w) f) q
WHERE a >= 0.65"

det_needs[drift]='anomaly.drift_score(timestamptz,float8,jsonb)'
det_sql[drift]="SELECT metric, ts FROM (
  SELECT s.metric, s.ts,
         anomaly.drift_score(s.ts, s.value, CASE WHEN p.events <> '[]' THEN jsonb_build_object('events', p.events) ELSE '{}' END) OVER w AS d
  $acc_from $acc_w) q
WHERE abs(d) >= 1"

det_needs[ensemble_anomaly]='anomaly.ensemble_anomaly(timestamptz,float8,jsonb)'
det_sql[ensemble_anomaly]="SELECT metric, ts FROM (
  SELECT s.metric, s.ts,
         anomaly.ensemble_anomaly(s.ts, s.value, CASE WHEN p.events <> '[]' THEN jsonb_build_object('events', p.events) ELSE '{}' END) OVER w AS e
  $acc_from $acc_w) q
WHERE (e).is_anomaly"

for t in ${ACC_ENSEMBLE_CURVE-0.99 0.95 0.9}; do
  [[ $t =~ ^0\.[0-9]+$ ]] || { echo "error: ACC_ENSEMBLE_CURVE: $t is not a threshold in (0, 1) like 0.99" >&2; exit 2; }
  det_names+=("ensemble_anomaly@$t")
  det_needs[ensemble_anomaly@$t]=${det_needs[ensemble_anomaly]}
  det_sql[ensemble_anomaly@$t]="SELECT metric, ts FROM (
  SELECT s.metric, s.ts,
         anomaly.ensemble_anomaly(s.ts, s.value, CASE WHEN p.events <> '[]' THEN jsonb_build_object('events', p.events) ELSE '{}' END
                                                 || jsonb_build_object('threshold', $t::float8)) OVER w AS e
  $acc_from $acc_w) q
WHERE (e).is_anomaly"
done
