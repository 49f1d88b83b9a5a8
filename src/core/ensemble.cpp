#include "core/ensemble.hpp"

#include "core/ensemble_explanation.hpp"
#include "core/errors.hpp"
#include "core/gap_fill.hpp"
#include "core/robust_statistics.hpp"
#include "core/score_calibration.hpp"
#include "core/seasonal_forecast.hpp"
#include "core/stl_residual.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <numeric>

namespace anomaly {

const char *const kDetectorNames[kDetectorCount] = {"robust_z", "forecast", "stl"};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Severity of a flagged row by its surprise −log10 p (of the combination, or
// of robust_z when that decided alone).
constexpr double kWarningSurprise = 5.0;
constexpr double kCriticalSurprise = 7.0;

struct RobustFit {
    double z = kNaN, median = kNaN, sigma = kNaN;
};

RobustFit robust_against(const std::deque<double> &history, double x) {
    RobustFit f;
    if (history.size() < kMinRobustHistory || !std::isfinite(x)) return f;
    const std::vector<double> h(history.begin(), history.end());
    const RobustLocation loc = robust_location(h.data(), h.size());
    f.z = modified_zscore(x, loc);
    f.median = loc.median;
    f.sigma = loc.mad > 0.0 ? loc.mad / kMadConsistency : loc.mean_abs_dev * kMeanAbsDeviationConsistency;
    return f;
}

void push_bounded(std::deque<double> &d, double x, std::size_t cap) {
    d.push_back(x);
    if (d.size() > cap) d.pop_front();
}

// Φ⁻¹(q) by bisection on erfc (q in (0.5, 1)); used once per call.
double normal_quantile(double q) {
    double lo = 0.0, hi = 40.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = (lo + hi) / 2.0;
        if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2.0;
}

void score_layer(DetectorScore &d, double raw, double z_equivalent, double threshold) {
    if (std::isnan(raw)) return;
    d.available = true;
    d.raw = raw;
    d.calibrated = 1.0 - normal_two_sided_p(z_equivalent);
    d.fired = std::fabs(raw) > threshold;
}

int event_at(const ForecastOptions &f, double t) {
    for (const EventRange &e : f.events)
        if (e.start <= t && t < e.end) return e.name_index;
    return -1;
}

Severity severity_of(double s) {
    if (s >= kCriticalSurprise) return Severity::critical;
    if (s >= kWarningSurprise) return Severity::warning;
    return Severity::info;
}

std::string json_number(double x) {
    if (std::isnan(x)) return "null";
    if (std::isinf(x)) return x > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    char b[40];
    std::snprintf(b, sizeof b, "%.6g", x);
    return b;
}

}  // namespace

void validate(const EnsembleOptions &o) {
    if (!(o.threshold > 0.0 && o.threshold < 1.0)) throw InvalidParameter("option threshold must be in (0, 1)");
    if (!(o.z_threshold > 0.0)) throw InvalidParameter("option z_threshold must be > 0");
    if (!(o.forecast_threshold > 0.0)) throw InvalidParameter("option forecast_threshold must be > 0");
    if (!(o.stl_threshold > 0.0)) throw InvalidParameter("option stl_threshold must be > 0");
    if (o.k < 1 || o.k > kDetectorCount)
        throw InvalidParameter("option k must be between 1 and " + std::to_string(kDetectorCount));
    double total = 0.0;
    for (int i = 0; i < kDetectorCount; ++i) {
        if (!(o.weights[i] >= 0.0 && o.weights[i] <= 1e6))
            throw InvalidParameter(std::string("option weights: ") + kDetectorNames[i] + " must be a number from 0 to 1e6");
        total += o.weights[i];
    }
    if (!(total > 0.0)) throw InvalidParameter("option weights: at least one weight must be > 0");
    if (!std::isnan(o.step) && !(o.step > 0.0 && std::isfinite(o.step)))
        throw InvalidParameter("option step must be a positive number of seconds");
    if (o.period != -1 && o.period != 0 && (o.period < 2 || o.period > 666))
        throw InvalidParameter("option period must be 0 (no STL layer) or from 2 to 666");
    if (o.min_points < 1 || o.min_points > 100000) throw InvalidParameter("option min_points must be from 1 to 100000");
    if (o.lookback < static_cast<int>(kMinRobustHistory) || o.lookback > 10000)
        throw InvalidParameter("option lookback must be from 7 to 10000");
    if (o.quality_window < 1 || o.quality_window > 100000)
        throw InvalidParameter("option quality_window must be from 1 to 100000");
    validate(o.forecast);
}

int default_stl_period(double step) {
    if (!(step > 0.0) || !std::isfinite(step)) return 0;
    const double day = 86400.0, week = 7 * day, year = 365.25 * day;
    double p;
    if (step < 0.75 * day) p = day / step;
    else if (step <= 1.25 * day) p = 7.0;
    else p = (step < 5 * day ? week : year) / step;
    const double r = std::round(p);
    return (r >= 2.0 && r <= 666.0) ? static_cast<int>(r) : 0;
}

const char *severity_name(Severity s) {
    switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::critical: return "critical";
    default: return nullptr;
    }
}

std::string detectors_json(const EnsembleResult &r) {
    std::string s = "{";
    for (int i = 0; i < kDetectorCount; ++i) {
        const DetectorScore &d = r.detectors[i];
        if (i) s += ", ";
        s += std::string("\"") + kDetectorNames[i] + "\": {\"raw\": " + json_number(d.raw) +
             ", \"calibrated\": " + json_number(d.calibrated) +
             ", \"fired\": " + (d.available ? (d.fired ? "true" : "false") : "null") + "}";
    }
    return s + "}";
}

std::vector<EnsembleResult> ensemble_anomaly(const double *ts, const double *values, std::size_t n,
                                             const EnsembleOptions &options, StopToken &stop) {
    validate(options);
    std::vector<EnsembleResult> out(n);

    // Rows in time order; NULL times get no result.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isnan(ts[i])) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [ts](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
    const std::size_t m = order.size();
    std::vector<double> st(m), sv(m);
    for (std::size_t k = 0; k < m; ++k) {
        st[k] = ts[order[k]];
        sv[k] = std::isfinite(values[order[k]]) ? values[order[k]] : kNaN;
        if (k > 0 && st[k] == st[k - 1])
            throw DataError("two rows have the timestamp " + format_utc_timestamp(st[k]) +
                            " (aggregate them to one value per time first)");
    }
    if (m == 0) return out;

    const SlotSeries grid = build_slot_series(st.data(), sv.data(), m, options.step, stop);
    const std::size_t slots = grid.values.size();
    const double step = std::isnan(options.step) ? typical_step(st.data(), m) : options.step;
    const int period = options.period >= 0 ? options.period : default_stl_period(step);

    // Layer robust_z on values: each real slot against the finite grid values before it.
    std::vector<RobustFit> value_fit(m);
    {
        std::deque<double> history;
        std::size_t k = 0;
        for (std::size_t j = 0; j < slots; ++j) {
            stop.poll();
            if (k < m && grid.row_slot[k] == j) value_fit[k++] = robust_against(history, grid.values[j]);
            if (std::isfinite(grid.values[j])) push_bounded(history, grid.values[j], static_cast<std::size_t>(options.lookback));
        }
    }

    // Layer forecast, and robust_z on its residuals.
    std::vector<ForecastPoint> fc(m);
    seasonal_forecast_causal(st.data(), sv.data(), m, options.forecast, fc.data(), stop);
    std::vector<RobustFit> residual_fit(m);
    {
        std::deque<double> history;
        for (std::size_t k = 0; k < m; ++k) {
            const double r = sv[k] - fc[k].yhat;
            if (!std::isfinite(r)) continue;
            residual_fit[k] = robust_against(history, r);
            push_bounded(history, r, kResidualLookback);
        }
    }
    const double forecast_z = normal_quantile((1.0 + options.forecast.interval_width) / 2.0);

    // Layer stl on the grid.
    std::vector<double> stl_residual(slots, kNaN), stl_score(slots, kNaN);
    if (period >= 2 && options.weights[kStl] + (options.combine == Combine::k_of_n ? 1.0 : 0.0) > 0.0) {
        StlResidualParams p;
        p.period = period;
        p.history = std::min(std::max(8 * period, 56), 2000);
        stl_residual_rolling(grid.values.data(), slots, p, nullptr, stl_residual.data(), stl_score.data(), stop);
    }

    // Real points per slot prefix, for data_quality.
    std::vector<std::size_t> real_prefix(slots + 1, 0);
    for (std::size_t j = 0; j < slots; ++j)
        real_prefix[j + 1] = real_prefix[j] + (grid.kinds[j] == SlotKind::real ? 1 : 0);

    const std::size_t window = static_cast<std::size_t>(options.quality_window);
    int points = 0;
    for (std::size_t k = 0; k < m; ++k) {
        stop.poll();
        EnsembleResult &r = out[order[k]];
        const double v = sv[k];
        const std::size_t j = grid.row_slot[k];
        r.has_row = true;
        r.has_value = std::isfinite(v);
        if (r.has_value) ++points;
        r.warming_up = points < options.min_points;
        const std::size_t from = j + 1 > window ? j + 1 - window : 0;
        r.data_quality = static_cast<double>(real_prefix[j + 1] - real_prefix[from]) / static_cast<double>(j + 1 - from);
        r.event = event_at(options.forecast, st[k]);
        const ForecastPoint &f = fc[k];

        // Expected value and range: the forecast's once warmed up, else the robust median.
        const RobustFit &vf = value_fit[k];
        if (!r.warming_up && std::isfinite(f.yhat)) {
            r.expected = f.yhat;
            r.lower = f.yhat - options.forecast_threshold * (f.yhat - f.yhat_lower);
            r.upper = f.yhat + options.forecast_threshold * (f.yhat_upper - f.yhat);
        } else if (!std::isnan(vf.median)) {
            r.expected = vf.median;
            r.lower = vf.median - options.z_threshold * vf.sigma;
            r.upper = vf.median + options.z_threshold * vf.sigma;
        }

        if (r.has_value) {
            const double z = (!r.warming_up && !std::isnan(residual_fit[k].z)) ? residual_fit[k].z : vf.z;
            score_layer(r.detectors[kRobustZ], z, z, options.z_threshold);
            if (!r.warming_up) {
                score_layer(r.detectors[kForecast], f.score, f.score * forecast_z, options.forecast_threshold);
                score_layer(r.detectors[kStl], stl_score[j], stl_score[j], options.stl_threshold);
            }
            double s[kDetectorCount];
            bool available[kDetectorCount];
            int fired = 0;
            for (int d = 0; d < kDetectorCount; ++d) {
                available[d] = r.detectors[d].available;
                s[d] = available[d] ? surprise(1.0 - r.detectors[d].calibrated) : kNaN;
                if (available[d] && r.detectors[d].fired) ++fired;
            }
            const double combined = weighted_surprise(s, options.weights, available, kDetectorCount);
            r.score = calibrated_from_surprise(combined);
            const bool z_alone = r.detectors[kRobustZ].fired;
            bool flagged = z_alone;
            if (!r.warming_up)
                flagged = flagged || (options.combine == Combine::weighted ? r.score >= options.threshold
                                                                           : fired >= options.k);
            if (!std::isnan(r.expected) && v != r.expected) r.direction = v > r.expected ? 1 : -1;
            else if (std::isfinite(z) && z != 0.0) r.direction = z > 0 ? 1 : -1;
            if (!std::isnan(r.expected) && r.expected != 0.0)
                r.deviation_pct = 100.0 * (v - r.expected) / std::fabs(r.expected);
            r.is_anomaly = flagged && r.event < 0;
            if (r.is_anomaly) {
                double level = std::isnan(combined) ? 0.0 : combined;
                if (z_alone) level = std::max(level, s[kRobustZ]);
                r.severity = severity_of(level);
            }
        }
        const ExplanationInput in{&options.name, v, st[k], options.forecast.utc_offset, step, options.min_points,
                                  points,
                                  r.event >= 0 ? options.forecast.event_names[static_cast<std::size_t>(r.event)].c_str()
                                               : nullptr};
        r.explanation = explain(r, in);
    }
    return out;
}

}  // namespace anomaly
