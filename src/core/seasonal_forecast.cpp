#include "core/seasonal_forecast.hpp"

#include "core/error_window.hpp"
#include "core/errors.hpp"
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
    CausalPass(const double *ts, const double *values, std::size_t n, const ForecastOptions &o)
        : ts_(ts), values_(values), o_(o), order_(time_order(ts, n)), errors_(static_cast<std::size_t>(o.interval_history)) {
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
            // A row inside a known event is expected to differ: its event term
            // must learn from it at full weight, and its error says nothing
            // about the noise of ordinary days (interval, local level).
            if (!std::isnan(forecast) && !in_event(prefix)) {
                const double e = y - forecast;
                const double scale = errors_.half_width(kOutlierLevel);
                double clipped = e;
                if (!std::isnan(scale) && std::fabs(e) > kOutlierScale * scale) {
                    weight = kOutlierScale * scale / std::fabs(e);
                    clipped = std::copysign(kOutlierScale * scale, e);
                }
                errors_.push(e);
                level_ += o_.level_smoothing * clipped;
            }
            ne_->add(x_.data(), prefix, y, design_->tau(ts_[k]), weight);
            ++since_fit;
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
    ModelFit fit_;
    bool has_fit_ = false;
    // Local level: exponential smoothing of the (clipped) one-step errors,
    // added to the trend of the next forecasts.
    double level_ = 0.0;
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
    CausalPass pass(ts, values, n, options);
    pass.run(out, stop);
}

std::vector<ForecastRow> seasonal_forecast_series(const double *ts, const double *values, std::size_t n, int horizon,
                                                  const ForecastOptions &options, StopToken &stop) {
    validate(options);
    if (horizon < 0 || horizon > 100000) throw InvalidParameter("horizon must be between 0 and 100000");
    CausalPass pass(ts, values, n, options);
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
