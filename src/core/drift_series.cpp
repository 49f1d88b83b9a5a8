#include "core/drift_series.hpp"

#include "core/errors.hpp"
#include "core/gap_fill.hpp"

#include <algorithm>
#include <cmath>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDay = 86400.0;

bool sub_daily(double step) { return step > 0.0 && step < 0.75 * kDay; }

}  // namespace

int drift_default_period(double step) {
    if (!(step > 0.0) || !std::isfinite(step)) return 1;
    if (sub_daily(step)) {
        const double week = std::round(7.0 * kDay / step), day = std::round(kDay / step);
        if (week <= 10000.0) return static_cast<int>(week);
        return day <= 10000.0 ? static_cast<int>(day) : 1;
    }
    return step <= 1.25 * kDay ? 7 : 1;
}

int drift_scale_window(int period) { return std::max(DriftParams{}.scale_window, drift_baseline_rows(period)); }

void drift_score_series(const double *ts, const double *values, std::size_t n, const DriftSeriesOptions &options,
                        DriftPoint *out, StopToken &stop) {
    validate(options.params);
    if (!std::isnan(options.step) && !(options.step > 0.0 && std::isfinite(options.step)))
        throw InvalidParameter("option step must be a positive number of seconds");
    for (std::size_t i = 0; i < n; ++i) out[i] = DriftPoint{kNaN, 0, 0, false, kNaN, kNaN, kNaN};

    const std::vector<std::size_t> order = rows_in_time_order(ts, n);
    const std::size_t m = order.size();
    if (m == 0) return;
    std::vector<double> st(m), sv(m);
    for (std::size_t k = 0; k < m; ++k) {
        st[k] = ts[order[k]];
        const double v = values[order[k]];
        sv[k] = std::isfinite(v) && event_at(options.events, st[k]) < 0 ? v : kNaN;
    }
    const double step = std::isnan(options.step) ? typical_step(st.data(), std::min(m, kDriftStepRows)) : options.step;
    DriftParams params = options.params;
    if (!options.period_given) params.period = drift_default_period(step);
    if (sub_daily(step)) params.points_per_day = std::min(86400.0, kDay / step);
    params.scale_window = drift_scale_window(params.period);
    validate(params);

    SlotSeries grid = build_slot_series(st.data(), sv.data(), m, step, stop);
    // Only real values carry evidence or enter a baseline: no filled slots.
    for (std::size_t j = 0; j < grid.values.size(); ++j)
        if (grid.kinds[j] != SlotKind::real) grid.values[j] = kNaN;
    std::vector<DriftPoint> slots(grid.values.size());
    drift_score(grid.values.data(), nullptr, grid.values.size(), params, slots.data(), stop);
    for (std::size_t k = 0; k < m; ++k) out[order[k]] = slots[grid.row_slot[k]];
}

}  // namespace anomaly
