#!/usr/bin/env bash
# Quality bars of the seasonal forecast on the project's seeded synthetic
# metrics with known components (generate_metrics.sql):
#   (a) interval coverage of held-out days within +/-0.03 of the nominal 0.90
#   (b) one-step MAE below the seasonal-naive forecast's (MASE better) on >= 90% of series
#   (c) weekly and yearly components of a whole-series fit correlated >= 0.95
#       with the generating ones on >= 90% of series (10th percentile >= 0.95)
# Each figure is printed with "ok" or "MISSED" (bench_target); a miss does not
# fail the run.
#
# Sourced by bench/suites/30_seasonal_forecast.sh, which calls
# forecast_quality on its own cluster and table; run directly, it starts a
# throw-away cluster and generates the metrics itself.
# Knobs: FQ_SERIES (300 when run directly), FQ_DAYS (730), FQ_FROM_DAY (180),
# FQ_COMPONENT_SERIES (200), FQ_SEED (0.31), BENCH_PORT (54334).
# shellcheck shell=bash
fq_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fq_generate() {
  pgc_psql -q -v series="$1" -v days="$2" -v seed="${FQ_SEED:-0.31}" -f "$fq_dir/generate_metrics.sql" 2>&1 \
    | grep -v 'does not exist, skipping' || true
}

forecast_quality() {
  local out name value
  echo "== seasonal_forecast quality: held-out days from day ${FQ_FROM_DAY:-180}, components on ${FQ_COMPONENT_SERIES:-200} series"
  pgc_psql -Atq -c "SELECT count(DISTINCT series) || ' series x ' || max(day) + 1 || ' days; '
                           || count(DISTINCT series) FILTER (WHERE mode = 'multiplicative') || ' multiplicative'
                    FROM fq_metrics"
  out=$(pgc_psql -Atq -v from_day="${FQ_FROM_DAY:-180}" -v component_series="${FQ_COMPONENT_SERIES:-200}" \
          -f "$fq_dir/measure.sql")
  declare -A fq
  while read -r name value; do
    [ -n "$name" ] && fq[$name]=$value
  done <<<"$out"
  printf '  %-26s %s\n' coverage "${fq[coverage]}" coverage_additive "${fq[coverage_additive]}" \
    coverage_multiplicative "${fq[coverage_multiplicative]}" coverage_second_year "${fq[coverage_second_year]}" \
    mase_better_share "${fq[mase_better_share]}" mase_median_ratio "${fq[mase_median_ratio]}" \
    weekly_corr_p10 "${fq[weekly_corr_p10]}" weekly_corr_median "${fq[weekly_corr_median]}" \
    yearly_corr_p10 "${fq[yearly_corr_p10]}" yearly_corr_median "${fq[yearly_corr_median]}"
  bench_target '(a) |coverage - 0.90| on held-out days' \
    "$(awk -v c="${fq[coverage]}" 'BEGIN { d = c - 0.9; if (d < 0) d = -d; printf "%.4f", d }')" '<=' 0.03
  bench_target '(b) share of series with MASE < seasonal naive' "${fq[mase_better_share]}" '>=' 0.90
  bench_target '(c) weekly component corr, 10th percentile' "${fq[weekly_corr_p10]}" '>=' 0.95
  bench_target '(c) yearly component corr, 10th percentile' "${fq[yearly_corr_p10]}" '>=' 0.95
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  # shellcheck source=../lib/sql_timing.sh
  . "$fq_dir/../lib/sql_timing.sh"
  bench_cluster "${BENCH_PORT:-54334}"
  fq_generate "${FQ_SERIES:-300}" "${FQ_DAYS:-730}"
  forecast_quality
fi
