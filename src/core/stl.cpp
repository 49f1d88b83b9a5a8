#include "core/stl.hpp"

#include "core/errors.hpp"
#include "core/stl_input.hpp"
#include "core/loess.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace anomaly {

namespace {

constexpr std::size_t kMaxStlPoints = 100000000;

void require_odd_span(int value, const char *name, int period) {
    if (value < 3 || value % 2 == 0 || value <= period)
        throw InvalidParameter(std::string(name) + " must be an odd integer >= 3 and greater than period (got " +
                               std::to_string(value) + ", period " + std::to_string(period) + ")");
}

void require_degree(int value, const char *name) {
    if (value != 0 && value != 1)
        throw InvalidParameter(std::string(name) + " must be 0 or 1 (got " + std::to_string(value) + ")");
}

void require_positive(int value, const char *name) {
    if (value < 1) throw InvalidParameter(std::string(name) + " must be a positive integer (got " + std::to_string(value) + ")");
}

}  // namespace

StlParams resolve_stl_params(const StlParams &params, std::size_t n) {
    StlParams p = params;
    if (p.period < 2) throw InvalidParameter("period must be an integer >= 2 (got " + std::to_string(p.period) + ")");
    // Keeps every index of the engine (and the defaults below) inside int.
    if (n > kMaxStlPoints) throw InvalidParameter("STL series too long (" + std::to_string(n) + " points, limit " +
                                                  std::to_string(kMaxStlPoints) + ")");
    if (n < 2 * static_cast<std::size_t>(p.period))
        throw InvalidParameter("STL needs at least 2 periods of data: " + std::to_string(n) + " points for period " +
                               std::to_string(p.period));
    if (p.seasonal < 3 || p.seasonal % 2 == 0)
        throw InvalidParameter("seasonal must be an odd integer >= 3 (got " + std::to_string(p.seasonal) + ")");
    if (!p.trend) {
        // statsmodels 0.13: the smallest odd integer >= 1.5·period / (1 − 1.5/seasonal).
        const int t = static_cast<int>(std::ceil(1.5 * p.period / (1.0 - 1.5 / p.seasonal)));
        p.trend = t + (t % 2 == 0 ? 1 : 0);
    }
    require_odd_span(*p.trend, "trend", p.period);
    if (!p.low_pass) p.low_pass = p.period + 1 + ((p.period + 1) % 2 == 0 ? 1 : 0);
    require_odd_span(*p.low_pass, "low_pass", p.period);
    require_degree(p.seasonal_deg, "seasonal_deg");
    require_degree(p.trend_deg, "trend_deg");
    require_degree(p.low_pass_deg, "low_pass_deg");
    require_positive(p.seasonal_jump, "seasonal_jump");
    require_positive(p.trend_jump, "trend_jump");
    require_positive(p.low_pass_jump, "low_pass_jump");
    if (!p.inner_iter) p.inner_iter = p.robust ? 2 : 5;
    if (!p.outer_iter) p.outer_iter = p.robust ? 15 : 0;
    require_positive(*p.inner_iter, "inner_iter");
    if (*p.outer_iter < 0) throw InvalidParameter("outer_iter must be >= 0");
    return p;
}

bool same_settings(const StlParams &a, const StlParams &b) {
    return a.period == b.period && a.seasonal == b.seasonal && a.trend == b.trend && a.low_pass == b.low_pass &&
           a.seasonal_deg == b.seasonal_deg && a.trend_deg == b.trend_deg && a.low_pass_deg == b.low_pass_deg &&
           a.robust == b.robust && a.seasonal_jump == b.seasonal_jump && a.trend_jump == b.trend_jump &&
           a.low_pass_jump == b.low_pass_jump && a.inner_iter == b.inner_iter && a.outer_iter == b.outer_iter;
}

StlEngine::StlEngine(const StlParams &resolved, std::size_t n)
    : p_(resolved),
      n_(n),
      trend_(n, 0.0),
      season_(n, 0.0),
      rw_(n, 1.0),
      w0_(n + 2 * resolved.period),
      w1_(n + 2 * resolved.period),
      w2_(n + 2 * resolved.period),
      w3_(n + 2 * resolved.period),
      w4_(n + 2 * resolved.period),
      scratch_(n + 2 * resolved.period) {
    // Plans cost O(n·span) memory: only below this many weights.
    constexpr double kMaxPlanWeights = 4e6;
    const int ni = static_cast<int>(n);
    auto plan = [&](int len, int len_n, int degree, int jump) {
        return static_cast<double>(len_n) * std::min(len, len_n) <= kMaxPlanWeights
                   ? std::make_unique<loess::SmoothPlan>(len_n, len, degree, jump, kernel_)
                   : nullptr;
    };
    low_pass_plan_ = plan(*p_.low_pass, ni, p_.low_pass_deg, p_.low_pass_jump);
    trend_plan_ = plan(*p_.trend, ni, p_.trend_deg, p_.trend_jump);
    // Cycle-subseries have ceil(n/period) or floor(n/period) points.
    const int k_long = (ni - 1) / p_.period + 1, k_short = ni / p_.period;
    cycle_plan_long_ = plan(p_.seasonal, k_long, p_.seasonal_deg, p_.seasonal_jump);
    if (k_short != k_long) cycle_plan_short_ = plan(p_.seasonal, k_short, p_.seasonal_deg, p_.seasonal_jump);
}

void StlEngine::fit(const double *y, StopToken &stop) {
    std::fill(trend_.begin(), trend_.end(), 0.0);
    std::fill(season_.begin(), season_.end(), 0.0);
    std::fill(rw_.begin(), rw_.end(), 1.0);
    bool use_weights = false;
    for (int k = 0;; ++k) {
        pass(y, *p_.inner_iter, use_weights, stop);
        if (k + 1 > *p_.outer_iter) break;
        update_weights(y);
        use_weights = true;
    }
}

// The cycle-subseries smoothing: each phase j of the period is smoothed by
// LOESS and extended by one point at each end; the result, n + 2·period
// values, goes to w1_. Input: w0_ (the detrended series).
void StlEngine::cycle_subseries(bool use_weights, StopToken &stop) {
    const int n = static_cast<int>(n_);
    const int np = p_.period;
    const int ns = p_.seasonal;
    double *sub = w2_.data();
    double *fit = w3_.data();  // fit[0] and fit[k+1] are the extensions
    double *sub_rw = w4_.data();
    for (int j = 0; j < np; ++j) {
        stop.poll();
        const int k = (n - (j + 1)) / np + 1;
        for (int i = 0; i < k; ++i) sub[i] = w0_[static_cast<std::size_t>(i * np + j)];
        if (use_weights)
            for (int i = 0; i < k; ++i) sub_rw[i] = rw_[static_cast<std::size_t>(i * np + j)];
        const double *rw = use_weights ? sub_rw : nullptr;
        const loess::SmoothPlan *plan = k == (n - 1) / np + 1 ? cycle_plan_long_.get() : cycle_plan_short_.get();
        if (rw == nullptr && plan != nullptr)
            plan->apply(sub, fit + 1);
        else
            loess::smooth(sub, k, ns, p_.seasonal_deg, p_.seasonal_jump, rw, fit + 1, scratch_.data(), kernel_, &stop);
        fit[0] = loess::estimate(sub, k, ns, p_.seasonal_deg, 0, 1, std::min(ns, k), scratch_.data(), rw, kernel_);
        if (std::isnan(fit[0])) fit[0] = fit[1];
        fit[k + 1] = loess::estimate(sub, k, ns, p_.seasonal_deg, k + 1, std::max(1, k - ns + 1), k, scratch_.data(), rw, kernel_);
        if (std::isnan(fit[k + 1])) fit[k + 1] = fit[k];
        for (int m = 0; m < k + 2; ++m) w1_[static_cast<std::size_t>(m * np + j)] = fit[m];
    }
}

void StlEngine::moving_average(const double *x, int n, int len, double *out) {
    const int count = n - len + 1;
    double v = 0.0;
    for (int i = 0; i < len; ++i) v += x[i];
    out[0] = v / len;
    for (int j = 1; j < count; ++j) {
        v += x[len + j - 1] - x[j - 1];
        out[j] = v / len;
    }
}

// Low-pass filter of the cycle-subseries (w1_): moving averages of length
// period, period and 3, then LOESS (span low_pass); result in w0_[0..n-1].
void StlEngine::low_pass_of_cycles(StopToken &stop) {
    const int n = static_cast<int>(n_);
    const int np = p_.period;
    moving_average(w1_.data(), n + 2 * np, np, w2_.data());
    moving_average(w2_.data(), n + np + 1, np, w0_.data());
    moving_average(w0_.data(), n + 2, 3, w2_.data());
    if (low_pass_plan_)
        low_pass_plan_->apply(w2_.data(), w0_.data());
    else
        loess::smooth(w2_.data(), n, *p_.low_pass, p_.low_pass_deg, p_.low_pass_jump, nullptr, w0_.data(), w4_.data(),
                      kernel_, &stop);
}

void StlEngine::pass(const double *y, int inner, bool use_weights, StopToken &stop) {
    const std::size_t n = n_;
    const std::size_t np = static_cast<std::size_t>(p_.period);
    for (int it = 0; it < inner; ++it) {
        stop.poll();
        for (std::size_t i = 0; i < n; ++i) w0_[i] = y[i] - trend_[i];
        cycle_subseries(use_weights, stop);
        low_pass_of_cycles(stop);
        for (std::size_t i = 0; i < n; ++i) {
            season_[i] = w1_[np + i] - w0_[i];
            w0_[i] = y[i] - season_[i];
        }
        if (!use_weights && trend_plan_)
            trend_plan_->apply(w0_.data(), trend_.data());
        else
            loess::smooth(w0_.data(), static_cast<int>(n), *p_.trend, p_.trend_deg, p_.trend_jump,
                          use_weights ? rw_.data() : nullptr, trend_.data(), w2_.data(), kernel_, &stop);
    }
}

void StlEngine::update_weights(const double *y) {
    const std::size_t n = n_;
    for (std::size_t i = 0; i < n; ++i) {
        rw_[i] = std::fabs(y[i] - (trend_[i] + season_[i]));
        w0_[i] = rw_[i];
    }
    // 6 × the median absolute residual (the two middle order statistics).
    const std::size_t lo = n / 2, hi = n - lo - 1;
    std::nth_element(w0_.begin(), w0_.begin() + static_cast<std::ptrdiff_t>(lo), w0_.begin() + static_cast<std::ptrdiff_t>(n));
    const double a = w0_[lo];
    const double b = hi == lo ? a : *std::max_element(w0_.begin(), w0_.begin() + static_cast<std::ptrdiff_t>(lo));
    const double cmad = 3.0 * (a + b);
    if (cmad == 0.0) {
        std::fill(rw_.begin(), rw_.end(), 1.0);
        return;
    }
    const double c9 = 0.999 * cmad, c1 = 0.001 * cmad;
    for (std::size_t i = 0; i < n; ++i) {
        const double r = rw_[i];
        if (r <= c1) {
            rw_[i] = 1.0;
        } else if (r <= c9) {
            const double u = r / cmad;
            rw_[i] = (1.0 - u * u) * (1.0 - u * u);
        } else {
            rw_[i] = 0.0;
        }
    }
}

StlComponents stl_decompose(const double *y, std::size_t n, const StlParams &params, StopToken &stop) {
    const StlParams p = resolve_stl_params(params, n);
    require_stl_range(y, n, "STL");
    StlEngine engine(p, n);
    engine.fit(y, stop);
    StlComponents c;
    c.trend = engine.trend();
    c.seasonal = engine.seasonal();
    c.weights = engine.weights();
    c.resid.resize(n);
    for (std::size_t i = 0; i < n; ++i) c.resid[i] = y[i] - c.seasonal[i] - c.trend[i];
    return c;
}

}  // namespace anomaly
