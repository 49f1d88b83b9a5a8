#include "core/ensemble.hpp"

#include "core/ensemble_explanation.hpp"
#include "core/ensemble_layers.hpp"
#include "core/errors.hpp"
#include "core/gap_fill.hpp"
#include "core/score_calibration.hpp"
#include "core/seasonal_forecast.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace anomaly {

const char *const kDetectorNames[kDetectorCount] = {"robust_z", "forecast", "stl", "iforest", "drift"};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Severity of a flagged row by its surprise −log10 p (of the combination, or
// of robust_z when that decided alone).
constexpr double kWarningSurprise = 5.0;
constexpr double kCriticalSurprise = 7.0;
constexpr std::size_t kIForestCalibrationWindow = 256;
// A layer's own trailing tail: from its last 720 scores, once 200 exist;
// robust_z's always, the forecast's and STL's on sub-daily data only
// (applied to daily data it cost more recall on the benchmark's daily series
// than it saved false alarms; on hourly data it removed three quarters of
// the false alarms, most of them on heavy-tailed series).
constexpr std::size_t kTailWindow = 720;
constexpr std::size_t kTailMinHistory = 200;
// A drift alert decides when the forecast score (in half-widths of its
// interval) is at least this far out in the drift's direction.
constexpr double kDriftForecastAgreement = 2.0;

// Points per day of sub-daily data (1 for daily and coarser): once the
// forecast runs, `threshold` and `z_threshold` bound the false alarms of a
// day, not of a point, so a point's tail probability must be that many times
// smaller (hourly data tests 24 points where daily data tests one).
double points_per_day(double step) {
    return (step > 0.0 && step < 0.75 * 86400.0) ? 86400.0 / step : 1.0;
}

// Φ⁻¹(q) for q in (0.5, 1), by bisection on erfc.
double normal_quantile(double q) {
    double lo = 0.0, hi = 40.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = (lo + hi) / 2.0;
        if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2.0;
}

void score_layer(DetectorScore &d, double raw, double p, bool fired) {
    if (std::isnan(raw) || std::isnan(p)) return;
    d.available = true;
    d.raw = raw;
    d.calibrated = 1.0 - p;
    d.fired = fired;
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

// Every layer's raw output over the partition (rows in time order).
struct Layers {
    SlotSeries grid;
    double step = kNaN;
    int period = 0;
    std::vector<RobustFit> value_fit, residual_fit;
    std::vector<ForecastPoint> forecast;
    std::vector<double> z_tail_p;  // robust_z's own trailing tail (trailing_tail_p) once the forecast runs
    std::vector<double> forecast_tail_p, stl_tail_p;  // sub-daily data: the forecast's and STL's own trailing tails
    double forecast_z = kNaN;
    std::vector<double> stl;          // per slot
    std::vector<double> iforest, iforest_p;  // per row
    std::vector<DriftPoint> drift;    // per slot
};

// robust_z: while warming up (f null) or before the forecast has residuals,
// the value's z-score; then the forecast residual's, against the earlier
// residuals, its σ floored by the σ the forecast interval implies
// (half-width on the residual's side / Φ⁻¹((1 + w)/2)): heavy-tailed errors
// have a MAD far below their tails, and the interval knows those tails.
double robust_z(const RobustFit &value_fit, const RobustFit &residual_fit, const ForecastPoint *f, double v,
                double forecast_z) {
    if (f == nullptr || std::isnan(residual_fit.z)) return value_fit.z;
    const double r = v - f->yhat;
    const double half_width = r >= 0 ? f->yhat_upper - f->yhat : f->yhat - f->yhat_lower;
    const double floor = half_width / forecast_z;
    if (floor > residual_fit.sigma) return (r - residual_fit.median) / floor;
    return residual_fit.z;
}

// Whether every finite value among the first n is > 0 (and one is).
bool all_positive(const double *values, std::size_t n) {
    bool any = false;
    for (std::size_t k = 0; k < n; ++k) {
        if (!std::isfinite(values[k])) continue;
        if (!(values[k] > 0.0)) return false;
        any = true;
    }
    return any;
}

// The drift layer's seasonal baseline: the weekly cycle for sub-daily data
// (its median of the same hour of the last 4 weeks), else the STL period.
int drift_period(double step, int period) {
    if (step > 0.0 && step < 0.75 * 86400.0) {
        const double week = std::round(7.0 * 86400.0 / step);
        if (week <= 10000.0) return static_cast<int>(week);
    }
    return period;
}

// sv: the values; masked: the same with the rows of known events NaN (for
// every layer but the forecast, which has the events as regressors).
Layers compute_layers(const std::vector<double> &st, const std::vector<double> &sv, const std::vector<double> &masked,
                      const EnsembleOptions &options, StopToken &stop) {
    const std::size_t m = st.size();
    Layers L;
    L.grid = build_slot_series(st.data(), masked.data(), m, options.step, stop);
    // The step and period that the layers beyond robust_z use come from the
    // rows up to the first one out of warm-up: no row that speaks with them
    // depends on a later row.
    std::size_t first_scored = m;
    int points = 0;
    for (std::size_t k = 0; k < m && first_scored == m; ++k)
        if (std::isfinite(sv[k]) && ++points >= options.min_points) first_scored = k;
    L.step = std::isnan(options.step) ? typical_step(st.data(), std::min(m, first_scored + 1)) : options.step;
    L.period = options.period >= 0 ? options.period : default_stl_period(L.step);

    L.value_fit = robust_value_layer(L.grid, static_cast<std::size_t>(options.lookback), stop);
    if (first_scored == m) return L;  // never out of warm-up: only robust_z speaks

    ForecastOptions fo = options.forecast;
    if (!options.weekly_seasonality_given && L.step < 0.75 * 86400.0) fo.weekly_order = 28;
    if (!options.seasonality_mode_given) fo.multiplicative = all_positive(sv.data(), first_scored + 1);
    L.forecast.resize(m);
    seasonal_forecast_causal(st.data(), sv.data(), m, fo, L.forecast.data(), stop);
    L.forecast_z = normal_quantile((1.0 + fo.interval_width) / 2.0);
    std::vector<double> residuals(m);
    for (std::size_t k = 0; k < m; ++k) residuals[k] = masked[k] - L.forecast[k].yhat;
    L.residual_fit = robust_residual_layer(residuals, std::max<std::size_t>(kResidualLookback, 7 * static_cast<std::size_t>(L.period)));
    {
        std::vector<double> z(m);
        for (std::size_t k = 0; k < m; ++k) z[k] = robust_z(L.value_fit[k], L.residual_fit[k], &L.forecast[k], masked[k], L.forecast_z);
        L.z_tail_p = trailing_tail_p(z, kTailWindow, kTailMinHistory, stop);
    }

    const bool counted = options.combine == Combine::k_of_n;
    L.stl = (counted || options.weights[kStl] > 0) ? stl_layer(L.grid, L.period, stop)
                                                    : std::vector<double>(L.grid.values.size(), kNaN);
    if (counted || options.weights[kIforest] > 0) {
        L.iforest = iforest_layer(st.data(), masked.data(), m, fo.utc_offset, stop);
        L.iforest_p = self_calibrated_upper_p(L.iforest, kIForestCalibrationWindow);
    } else {
        L.iforest.assign(m, kNaN);
        L.iforest_p.assign(m, kNaN);
    }
    // Sub-daily data: the forecast's and STL's scores are also judged by
    // their own trailing tails (as robust_z's): a heavy-tailed hourly series
    // has many points that are rare for normal noise every day.
    if (points_per_day(L.step) > 1.0) {
        std::vector<double> fs(m), ss(m);
        for (std::size_t k = 0; k < m; ++k) {
            fs[k] = std::isfinite(masked[k]) ? L.forecast[k].score : kNaN;
            ss[k] = std::isfinite(masked[k]) ? L.stl[L.grid.row_slot[k]] : kNaN;
        }
        L.forecast_tail_p = trailing_tail_p(fs, kTailWindow, kTailMinHistory, stop);
        L.stl_tail_p = trailing_tail_p(ss, kTailWindow, kTailMinHistory, stop);
    } else {
        L.forecast_tail_p.assign(m, kNaN);
        L.stl_tail_p.assign(m, kNaN);
    }
    if (counted || options.weights[kDrift] > 0 || options.drift_decides)
        L.drift = drift_layer(L.grid, drift_period(L.step, L.period), points_per_day(L.step), stop);
    else L.drift.assign(L.grid.values.size(), DriftPoint{kNaN, 0, 0, false, kNaN});
    return L;
}

}  // namespace

void validate(const EnsembleOptions &o) {
    if (!(o.threshold > 0.0 && o.threshold < 1.0)) throw InvalidParameter("option threshold must be in (0, 1)");
    if (!(o.z_threshold > 0.0 && o.z_threshold <= 1e6)) throw InvalidParameter("option z_threshold must be in (0, 1e6]");
    if (!(o.forecast_threshold > 0.0 && o.forecast_threshold <= 1e6))
        throw InvalidParameter("option forecast_threshold must be in (0, 1e6]");
    if (!(o.stl_threshold > 0.0 && o.stl_threshold <= 1e6))
        throw InvalidParameter("option stl_threshold must be in (0, 1e6]");
    if (!(o.iforest_threshold > 0.0 && o.iforest_threshold < 1.0))
        throw InvalidParameter("option iforest_threshold must be in (0, 1)");
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
    if (o.max_run < 0 || o.max_run > 100000) throw InvalidParameter("option max_run must be from 0 (no limit) to 100000");
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
    const std::vector<std::size_t> order = rows_in_time_order(ts, n);
    const std::size_t m = order.size();
    std::vector<double> st(m), sv(m);
    for (std::size_t k = 0; k < m; ++k) {
        st[k] = ts[order[k]];
        sv[k] = std::isfinite(values[order[k]]) ? values[order[k]] : kNaN;
    }
    if (m == 0) return out;

    // Rows inside a known event are not part of the normal pattern: the
    // layers that know nothing of events see them as missing.
    std::vector<double> masked(sv);
    for (std::size_t k = 0; k < m; ++k)
        if (event_at(options.forecast.events, st[k]) >= 0) masked[k] = kNaN;
    const Layers L = compute_layers(st, sv, masked, options, stop);
    const SlotSeries &grid = L.grid;
    const std::size_t slots = grid.values.size();
    std::vector<unsigned char> real(slots, 0);
    for (std::size_t k = 0; k < m; ++k) real[grid.row_slot[k]] = std::isfinite(sv[k]) ? 1 : 0;
    std::vector<std::size_t> real_prefix(slots + 1, 0);
    for (std::size_t j = 0; j < slots; ++j) real_prefix[j + 1] = real_prefix[j] + real[j];

    DriftParams drift_params;
    const double per_day = points_per_day(L.step);
    const double running_threshold = 1.0 - (1.0 - options.threshold) / per_day;
    const double running_z_p = normal_two_sided_p(options.z_threshold) / per_day;
    const double running_z_threshold = normal_quantile(1.0 - running_z_p / 2.0);
    const std::size_t window = static_cast<std::size_t>(options.quality_window);
    int points = 0, run = 0, run_direction = 0;
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
        r.event = event_at(options.forecast.events, st[k]);

        // Expected value and range: the forecast's once warmed up, else the robust median's.
        const RobustFit &vf = L.value_fit[k];
        const ForecastPoint *f = r.warming_up ? nullptr : &L.forecast[k];
        if (f != nullptr && std::isfinite(f->yhat)) {
            r.expected = f->yhat;
            r.lower = f->yhat - options.forecast_threshold * (f->yhat - f->yhat_lower);
            r.upper = f->yhat + options.forecast_threshold * (f->yhat_upper - f->yhat);
        } else if (!std::isnan(vf.median)) {
            r.expected = vf.median;
            r.lower = vf.median - options.z_threshold * vf.sigma;
            r.upper = vf.median + options.z_threshold * vf.sigma;
        }

        if (r.has_value) {
            const double z = robust_z(vf, L.residual_fit[k], f, v, L.forecast_z);
            // Once running, the larger of the normal tail and robust_z's own
            // trailing tail: it decides alone when that is as rare as
            // |z| > z_threshold for normal noise.
            double pz = normal_two_sided_p(z);
            if (f != nullptr && !std::isnan(L.z_tail_p[k])) pz = std::max(pz, L.z_tail_p[k]);
            const double z_threshold = f != nullptr ? running_z_threshold : options.z_threshold;
            const double z_p = f != nullptr ? running_z_p : normal_two_sided_p(options.z_threshold);
            score_layer(r.detectors[kRobustZ], z, pz, std::fabs(z) > z_threshold && pz <= z_p);
            if (f != nullptr) {
                score_layer(r.detectors[kForecast], f->score,
                            std::fmax(normal_two_sided_p(f->score * L.forecast_z), L.forecast_tail_p[k]),
                            std::fabs(f->score) > options.forecast_threshold);
                score_layer(r.detectors[kStl], L.stl[j], std::fmax(normal_two_sided_p(L.stl[j]), L.stl_tail_p[k]),
                            std::fabs(L.stl[j]) > options.stl_threshold);
                score_layer(r.detectors[kIforest], L.iforest[k], L.iforest_p[k],
                            L.iforest[k] >= options.iforest_threshold);
                const DriftPoint &d = L.drift[j];
                score_layer(r.detectors[kDrift], d.score, drift_tail_p(d.score, drift_params), d.alert);
                r.drift_direction = std::isnan(d.score) ? 0 : d.direction;
                r.drift_run = std::isnan(d.score) ? 0 : d.run_length;
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
            const DetectorScore &dr = r.detectors[kDrift], &fc = r.detectors[kForecast];
            // A drift decides while it is flagged or still going on (held),
            // when the forecast sees the same direction outside its interval
            // (a slow ramp the forecast's level follows stays outside it only
            // modestly).
            const DriftPoint &dp = L.drift[j];
            const int drift_dir = !dr.available ? 0 : dr.fired ? (dr.raw > 0 ? 1 : -1) : dp.held;
            const bool drift_alone = options.drift_decides && drift_dir != 0 && fc.available &&
                                     drift_dir * fc.raw >= kDriftForecastAgreement;
            bool flagged = z_alone || drift_alone;
            if (!r.warming_up)
                flagged = flagged || (options.combine == Combine::weighted ? r.score >= running_threshold
                                                                           : fired >= options.k);
            if (!std::isnan(r.expected) && v != r.expected) r.direction = v > r.expected ? 1 : -1;
            else if (std::isfinite(z) && z != 0.0) r.direction = z > 0 ? 1 : -1;
            if (!std::isnan(r.expected) && r.expected != 0.0)
                r.deviation_pct = 100.0 * (v - r.expected) / std::fabs(r.expected);
            flagged = flagged && r.event < 0;
            // A deviation that persists is a new level, not a new anomaly
            // every point: after max_run flagged points in a row in the same
            // direction the run is still reported (new_level_run) but no
            // longer flagged, until a point is not flagged.
            run = (flagged && r.direction == run_direction) ? run + 1 : (flagged ? 1 : 0);
            run_direction = flagged ? r.direction : 0;
            if (flagged && options.max_run > 0 && run > options.max_run) {
                flagged = false;
                r.new_level_run = run;
            }
            r.is_anomaly = flagged;
            if (r.is_anomaly) {
                double level = std::isnan(combined) ? 0.0 : combined;
                if (z_alone) level = std::max(level, s[kRobustZ]);
                if (drift_alone) level = std::max(level, s[kForecast]);
                r.severity = severity_of(level);
            }
        }
        if (!options.explain) continue;  // the explanation is the last thing a row gets
        const ExplanationInput in{&options.name, v, st[k], options.forecast.utc_offset, L.step, options.min_points,
                                  points,
                                  r.event >= 0 ? options.forecast.event_names[static_cast<std::size_t>(r.event)].c_str()
                                               : nullptr};
        r.explanation = explain(r, in);
    }
    return out;
}

}  // namespace anomaly
