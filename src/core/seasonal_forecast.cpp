#include "core/seasonal_forecast.hpp"

#include "core/error_window.hpp"
#include "core/errors.hpp"
#include "core/robust_statistics.hpp"
#include "core/seasonal_forecast_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Solves per refit of the window form (warm-started σ²) and for the final fit
// of the series form.
constexpr int kRefitIterations = 2;
constexpr int kFinalIterations = 12;
// Robustness: a value whose one-step error exceeds kOutlierScale times the
// kOutlierLevel quantile of the recent absolute errors is fitted with the
// Huber weight kOutlierScale·q/|error| < 1, so a spike barely moves later
// forecasts. Decided when the value arrives, from earlier rows only: causal.
// Rows inside a known event are exempt (full weight; their errors are kept out
// of the interval and the local level).
constexpr double kOutlierLevel = 0.9;
constexpr double kOutlierScale = 2.0;
// kShiftRun outlying errors of one sign in a row, over at least a day, are a
// new level (below): a week of daily data, a day of hourly data.
constexpr std::size_t kShiftRun = 7;

ForecastPoint null_point() { return ForecastPoint{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN}; }

// Indices of the rows with a timestamp, by time; DataError on a duplicate.
std::vector<std::size_t> time_order(const double *ts, std::size_t n) {
    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isnan(ts[i])) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [ts](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
    for (std::size_t k = 1; k < order.size(); ++k)
        if (ts[order[k]] == ts[order[k - 1]])
            throw DataError("duplicate timestamp " + format_utc_timestamp(ts[order[k]]) +
                            ": timestamps must be unique within a series");
    for (std::size_t k : order)
        if (!std::isfinite(ts[k])) throw DataError("timestamps must be finite, not " + format_utc_timestamp(ts[k]));
    return order;
}

// The forecast point of a row from its components (fitting scale), the
// interval half-width (fitting scale; NaN = none) and its value.
ForecastPoint make_point(const ComponentValues &c, double hw, double value, bool log_scale) {
    ForecastPoint p;
    const double f = c.sum();
    if (log_scale) {
        p.yhat = std::exp(f);
        p.trend = std::exp(c.trend);
        p.weekly = std::expm1(c.weekly);
        p.yearly = std::expm1(c.yearly);
        p.events = std::expm1(c.events);
        p.yhat_lower = std::exp(f - hw);
        p.yhat_upper = std::exp(f + hw);
    } else {
        p.yhat = f;
        p.trend = c.trend;
        p.weekly = c.weekly;
        p.yearly = c.yearly;
        p.events = c.events;
        p.yhat_lower = f - hw;
        p.yhat_upper = f + hw;
    }
    p.score = kNaN;
    if (std::isfinite(value) && !std::isnan(hw)) {
        const double d = value - p.yhat;
        const double side = d >= 0 ? p.yhat_upper - p.yhat : p.yhat - p.yhat_lower;
        p.score = side > 0 ? d / side : (d == 0 ? 0.0 : std::copysign(kInf, d));
    }
    return p;
}

// The causal pass over one series, shared by both forms.
class CausalPass {
public:
    // follow_shifts: the window form carries a new level back over the
    // history (below); the series form fits the history as it was.
    CausalPass(const double *ts, const double *values, std::size_t n, const ForecastOptions &o, bool follow_shifts)
        : ts_(ts), values_(values), o_(o), order_(time_order(ts, n)), errors_(static_cast<std::size_t>(o.interval_history)),
          follow_shifts_(follow_shifts) {
        log_scale_ = o.multiplicative;
        double t0 = order_.empty() ? 0.0 : ts[order_.front()];
        double first_used = kNaN, last = t0;
        for (std::size_t k : order_) {
            if (std::isnan(first_used) && usable(values[k])) first_used = ts[k];
            last = ts[k];
        }
        double reach = 0;
        if (!std::isnan(first_used)) {
            const double f = (first_used - t0) / 86400.0, s = (last - t0) / 86400.0;
            reach = f + o.changepoint_range * (s - f);
        }
        design_ = std::make_unique<ForecastDesign>(o, t0, reach);
        ne_ = std::make_unique<NormalEquations>(design_->size());
        x_.resize(design_->size());
    }

    bool usable(double v) const { return std::isfinite(v) && (!log_scale_ || v > 0); }
    // Whether the row whose features are in x_ (nonzero prefix) falls in an event.
    bool in_event(std::size_t prefix) const {
        for (std::size_t j = design_->events_begin(); j < design_->grid_begin() && j < prefix; ++j)
            if (x_[j] != 0.0) return true;
        return false;
    }
    double fit_scale(double v) const { return log_scale_ ? std::log(v) : v; }

    // Runs the pass; writes each row's point to out (when not null).
    void run(ForecastPoint *out, StopToken &stop) {
        std::size_t since_fit = 0;
        for (std::size_t k : order_) {
            stop.poll();
            const double v = values_[k];
            const std::size_t prefix = design_->features(ts_[k], x_.data());
            double forecast = kNaN;
            ForecastPoint p = null_point();
            if (has_fit_) {
                ComponentValues c = predict(fit_, *design_, x_.data());
                c.trend += level_;
                forecast = c.sum();
                p = make_point(c, errors_.half_width(o_.interval_width), v, log_scale_);
            }
            if (out != nullptr) out[k] = p;
            if (!usable(v)) continue;
            const double y = fit_scale(v);
            double weight = 1.0;
            bool outlying = false;
            double e = kNaN, step = 0.0;
            // A row inside a known event is expected to differ: its event term
            // must learn from it at full weight, and its error says nothing
            // about the noise of ordinary days (interval, local level).
            if (!std::isnan(forecast) && !in_event(prefix)) {
                e = y - forecast;
                const double scale = errors_.half_width(kOutlierLevel);
                double clipped = e;
                if (!std::isnan(scale) && std::fabs(e) > kOutlierScale * scale) {
                    weight = kOutlierScale * scale / std::fabs(e);
                    clipped = std::copysign(kOutlierScale * scale, e);
                    outlying = true;
                }
                errors_.push(e);
                step = o_.level_smoothing * clipped;
                level_ += step;
            }
            ne_->add(x_.data(), prefix, y, design_->tau(ts_[k]), weight);
            ++since_fit;
            // A new level is fitted at once.
            if (follow_shifts_ && o_.level_smoothing > 0.0 &&
                track_shift(outlying, e, step, prefix, y, weight, design_->tau(ts_[k])))
                since_fit = static_cast<std::size_t>(o_.refit_every);
            if (ne_->n >= static_cast<std::size_t>(o_.min_history) &&
                (!has_fit_ || since_fit >= static_cast<std::size_t>(o_.refit_every))) {
                fit_ = fit_model(*ne_, *design_, o_, log_scale_, has_fit_ ? fit_.sigma2 : -1.0, kRefitIterations);
                has_fit_ = true;
                since_fit = 0;
            }
        }
    }

    const double *ts_;
    const double *values_;
    const ForecastOptions &o_;
    std::vector<std::size_t> order_;
    bool log_scale_ = false;
    std::unique_ptr<ForecastDesign> design_;
    std::unique_ptr<NormalEquations> ne_;
    std::vector<double> x_;
    ErrorWindow errors_;
    bool follow_shifts_;
    ModelFit fit_;
    bool has_fit_ = false;
    // Local level: exponential smoothing of the (clipped) one-step errors,
    // added to the trend of the next forecasts.
    double level_ = 0.0;

    // A new level. kShiftRun outlying errors of one sign in a row, the first
    // and the last at least a day apart (a campaign or an outage of a few
    // days is not a new level; an unlisted one would otherwise be flagged
    // again when it ends). Each error measured against the level before the
    // run is its error plus the level steps taken since the run began, and
    // their median is the shift. It is
    // carried back over the history (as if every earlier value had been
    // shifted: the model keeps its seasonality and trend and takes the new
    // level at the refit that follows at once), the run's own rows count at
    // full weight instead of their outlier weights, and the local level
    // gives back the steps it took during the run. A few outliers (a
    // spike) or alternating ones (a burst of noise) are not a new level.
    struct RunRow {
        std::vector<double> x;  // the nonzero prefix of its features
        double y, weight, offset, tau;
    };
    std::vector<RunRow> run_;
    int run_sign_ = 0;
    double run_taken_ = 0.0;
    // Returns true when a new level was taken (the caller refits).
    bool track_shift(bool outlying, double e, double step, std::size_t prefix, double y, double weight, double tau) {
        const int sign = e > 0 ? 1 : -1;
        if (!outlying || (!run_.empty() && sign != run_sign_)) {
            run_.clear();
            run_taken_ = 0.0;
        }
        if (!outlying) return false;
        run_sign_ = sign;
        run_.push_back(RunRow{std::vector<double>(x_.begin(), x_.begin() + static_cast<std::ptrdiff_t>(prefix)), y, weight,
                              e + run_taken_, tau});
        run_taken_ += step;
        if (run_.size() < kShiftRun || run_.back().tau - run_.front().tau < 1.0) return false;
        std::vector<double> offsets;
        for (const RunRow &r : run_) offsets.push_back(r.offset);
        const double shift = robust_location(offsets.data(), offsets.size()).median;
        ne_->shift_history(shift);
        for (const RunRow &r : run_) {
            // Already at the new level: undo the shift and the outlier weight.
            ne_->reweight(r.x.data(), r.x.size(), r.y + shift, -r.weight);
            ne_->reweight(r.x.data(), r.x.size(), r.y, 1.0);
        }
        level_ -= run_taken_;
        run_.clear();
        run_taken_ = 0.0;
        return true;
    }
};

double median_gap(const double *ts, const std::vector<std::size_t> &order) {
    std::vector<double> gaps;
    for (std::size_t k = 1; k < order.size(); ++k) gaps.push_back(ts[order[k]] - ts[order[k - 1]]);
    if (gaps.empty()) return kNaN;
    const std::size_t mid = gaps.size() / 2;
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(mid), gaps.end());
    double m = gaps[mid];
    if (gaps.size() % 2 == 0) {
        const double below = *std::max_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(mid));
        m = (m + below) / 2;
    }
    return m;
}

}  // namespace

void seasonal_forecast_causal(const double *ts, const double *values, std::size_t n, const ForecastOptions &options,
                              ForecastPoint *out, StopToken &stop) {
    validate(options);
    for (std::size_t i = 0; i < n; ++i) out[i] = null_point();
    CausalPass pass(ts, values, n, options, true);
    pass.run(out, stop);
}

std::vector<ForecastRow> seasonal_forecast_series(const double *ts, const double *values, std::size_t n, int horizon,
                                                  const ForecastOptions &options, StopToken &stop) {
    validate(options);
    if (horizon < 0 || horizon > 100000) throw InvalidParameter("horizon must be between 0 and 100000");
    CausalPass pass(ts, values, n, options, false);
    pass.run(nullptr, stop);
    if (pass.ne_->n < static_cast<std::size_t>(options.min_history))
        throw DataError("needs at least " + std::to_string(options.min_history) + " fittable values (min_history), got " +
                        std::to_string(pass.ne_->n));
    const double step = median_gap(ts, pass.order_);
    if (horizon > 0 && !(step > 0)) throw DataError("cannot forecast ahead: the series has no positive time step");
    const ModelFit fit = fit_model(*pass.ne_, *pass.design_, options, pass.log_scale_, pass.fit_.sigma2, kFinalIterations);
    const double hw = pass.errors_.half_width(options.interval_width);
    std::vector<ForecastRow> rows;
    rows.reserve(pass.order_.size() + static_cast<std::size_t>(horizon));
    auto emit = [&](double t, long source) {
        stop.poll();
        pass.design_->features(t, pass.x_.data());
        ForecastPoint p = make_point(predict(fit, *pass.design_, pass.x_.data()), hw, kNaN, pass.log_scale_);
        rows.push_back(ForecastRow{t, source, p});
    };
    for (std::size_t k : pass.order_) emit(ts[k], static_cast<long>(k));
    const double last = pass.order_.empty() ? 0.0 : ts[pass.order_.back()];
    for (int h = 1; h <= horizon; ++h) emit(last + h * step, -static_cast<long>(h));
    return rows;
}

}  // namespace anomaly
