#include "core/seasonal_forecast_model.hpp"

#include "core/fourier_features.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace anomaly {

namespace {

constexpr double kWeekDays = 7.0;
constexpr double kYearDays = 365.25;
// Weekly terms join a fit from 14 days of history on, yearly from 365.
constexpr double kWeeklyMinSpan = 14.0;
constexpr double kYearlyMinSpan = 365.0;
// Added to the unit diagonal of the equilibrated system: keeps empty or
// collinear columns solvable without moving a well-determined fit.
constexpr double kJitter = 1e-12;
// Smallest |δ|/s the Laplace reweighting divides by.
constexpr double kLaplaceFloor = 1e-4;

}  // namespace

ForecastDesign::ForecastDesign(const ForecastOptions &options, double t0, double reach_days)
    : options_(options), t0_(t0), spacing_(options.changepoint_spacing) {
    weekly_ = 2;
    yearly_ = weekly_ + 2 * static_cast<std::size_t>(options.weekly_order);
    events_ = yearly_ + 2 * static_cast<std::size_t>(options.yearly_order);
    grid_ = events_ + options.event_names.size();
    double g = options.n_changepoints > 0 && reach_days > 0 ? std::floor(reach_days / spacing_) : 0;
    if (g > static_cast<double>(kMaxGrid))
        throw std::length_error("the changepoint grid would have " + std::to_string(static_cast<long long>(g)) +
                                " points (at most " + std::to_string(kMaxGrid) +
                                "): raise the option changepoint_spacing (days)");
    size_ = grid_ + static_cast<std::size_t>(g);
}

std::size_t ForecastDesign::features(double ts, double *x) const {
    const double t = tau(ts);
    const double local_days = (ts + options_.utc_offset) / 86400.0;
    x[0] = 1.0;
    x[1] = t;
    fourier_terms(local_days, kWeekDays, options_.weekly_order, x + weekly_);
    fourier_terms(local_days, kYearDays, options_.yearly_order, x + yearly_);
    for (std::size_t e = events_; e < grid_; ++e) x[e] = 0.0;
    for (const EventRange &r : options_.events)
        if (ts >= r.start && ts < r.end) x[events_ + static_cast<std::size_t>(r.name_index)] = 1.0;
    std::size_t prefix = grid_;
    for (std::size_t j = 0; j < grid_size(); ++j) {
        const double d = t - grid_point(j);
        if (d > 0) {
            x[grid_ + j] = d;
            prefix = grid_ + j + 1;
        } else {
            x[grid_ + j] = 0.0;
        }
    }
    return prefix;
}

Component ForecastDesign::component(std::size_t col) const {
    if (col < weekly_ || col >= grid_) return Component::trend;
    if (col < yearly_) return Component::weekly;
    if (col < events_) return Component::yearly;
    return Component::events;
}

NormalEquations::NormalEquations(std::size_t p) : xtx(Eigen::MatrixXd::Zero(p, p)), xty(Eigen::VectorXd::Zero(p)) {}

void NormalEquations::add(const double *x, std::size_t prefix, double y, double tau, double weight) {
    reweight(x, prefix, y, weight);
    max_abs_y = std::max(max_abs_y, std::fabs(y));
    if (n == 0) first_tau = tau;
    last_tau = tau;
    ++n;
}

void NormalEquations::reweight(const double *x, std::size_t prefix, double y, double weight) {
    const Eigen::Index p = xtx.rows();
    double *a = xtx.data();
    for (std::size_t j = 0; j < prefix; ++j) {
        const double wxj = weight * x[j];
        if (wxj == 0.0) continue;
        double *col = a + static_cast<Eigen::Index>(j) * p;
        // col[i] += x[i]·wxj for i in [j, prefix), by Eigen's packets: the
        // same product and sum per element (no fused multiply-add at the
        // project's flags), two elements per instruction.
        const Eigen::Index len = static_cast<Eigen::Index>(prefix - j);
        Eigen::Map<Eigen::VectorXd>(col + j, len) += Eigen::Map<const Eigen::VectorXd>(x + j, len) * wxj;
        xty[static_cast<Eigen::Index>(j)] += wxj * y;
    }
    yty += weight * y * y;
    sum_y += weight * y;
    sum_w += weight;
}

void NormalEquations::shift_history(double c) {
    // Column 0 is the intercept (x = 1): xtx(i, 0) = Σ w·x_i, all in the lower triangle.
    xty += c * xtx.col(0);
    yty += 2.0 * c * sum_y + c * c * sum_w;
    sum_y += c * sum_w;
}

namespace {

// The columns a fit over this history uses.
std::vector<std::size_t> active_columns(const NormalEquations &ne, const ForecastDesign &design,
                                        const ForecastOptions &o) {
    std::vector<std::size_t> cols = {0, 1};
    const double span = ne.last_tau - ne.first_tau;
    if (span >= kWeeklyMinSpan)
        for (std::size_t c = design.weekly_begin(); c < design.yearly_begin(); ++c) cols.push_back(c);
    if (span >= kYearlyMinSpan)
        for (std::size_t c = design.yearly_begin(); c < design.events_begin(); ++c) cols.push_back(c);
    // Only events that occurred in the history: a column of zeros would
    // change nothing but the degrees of freedom of sigma², so an event that
    // starts later would shift every earlier forecast (not causal).
    for (std::size_t c = design.events_begin(); c < design.grid_begin(); ++c)
        if (ne.xtx(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(c)) > 0) cols.push_back(c);
    // Candidates strictly inside the first changepoint_range of the history,
    // thinned evenly to n_changepoints.
    const double cutoff = ne.first_tau + o.changepoint_range * span;
    std::vector<std::size_t> candidates;
    for (std::size_t j = 0; j < design.grid_size(); ++j) {
        const double c = design.grid_point(j);
        if (c <= ne.first_tau) continue;
        if (c >= cutoff) break;
        candidates.push_back(design.grid_begin() + j);
    }
    const std::size_t m = candidates.size(), k = static_cast<std::size_t>(o.n_changepoints);
    if (m <= k) {
        cols.insert(cols.end(), candidates.begin(), candidates.end());
    } else {
        for (std::size_t i = 0; i < k; ++i)
            cols.push_back(candidates[static_cast<std::size_t>((static_cast<double>(i) + 0.5) * static_cast<double>(m) /
                                                               static_cast<double>(k))]);
    }
    return cols;
}

double lower(const Eigen::MatrixXd &a, std::size_t r, std::size_t c) {
    return r >= c ? a(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c))
                  : a(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(r));
}

}  // namespace

ModelFit fit_model(const NormalEquations &ne, const ForecastDesign &design, const ForecastOptions &o, bool log_scale,
                   double sigma2_start, int iterations) {
    ModelFit fit;
    fit.cols = active_columns(ne, design, o);
    const Eigen::Index a = static_cast<Eigen::Index>(fit.cols.size());
    Eigen::MatrixXd m(a, a);
    Eigen::VectorXd b(a);
    for (Eigen::Index j = 0; j < a; ++j) {
        b[j] = ne.xty[static_cast<Eigen::Index>(fit.cols[static_cast<std::size_t>(j)])];
        for (Eigen::Index i = j; i < a; ++i)
            m(i, j) = lower(ne.xtx, fit.cols[static_cast<std::size_t>(i)], fit.cols[static_cast<std::size_t>(j)]);
    }
    m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
    const double nd = ne.sum_w;
    double sigma2 = sigma2_start;
    if (!(sigma2 >= 0)) sigma2 = std::max(0.0, (ne.yty - ne.sum_y * ne.sum_y / nd) / nd);
    const double ys = log_scale || ne.max_abs_y == 0 ? 1.0 : ne.max_abs_y;
    const double span = std::max(ne.last_tau - ne.first_tau, 1.0);
    // Prior precision per column, without σ²: c²/(s²·ys²) for a Gaussian
    // prior of scale s on the scaled coefficient c·β/ys. Changepoints get
    // Prophet's Laplace prior instead, by iteratively reweighted ridge: after
    // the first solve their precision is c²/(s·|δ|·ys²), δ = c·β/ys the
    // previous solve's scaled rate change (floored at kLaplaceFloor·s).
    Eigen::VectorXd precision(a);
    std::vector<bool> laplace(static_cast<std::size_t>(a), false);
    for (Eigen::Index j = 0; j < a; ++j) {
        const std::size_t col = fit.cols[static_cast<std::size_t>(j)];
        double s = 0, c = 1;
        if (col >= design.grid_begin()) {
            s = o.changepoint_prior_scale;
            c = span;
            laplace[static_cast<std::size_t>(j)] = true;
        } else if (col >= design.events_begin()) {
            s = o.events_prior_scale;
        } else if (col >= design.weekly_begin()) {
            s = o.seasonality_prior_scale;
        }
        precision[j] = s > 0 ? c * c / (s * s * ys * ys) : 0.0;  // intercept and slope: flat prior
    }
    Eigen::VectorXd d(a);
    for (Eigen::Index j = 0; j < a; ++j) d[j] = m(j, j) > 0 ? 1.0 / std::sqrt(m(j, j)) : 1.0;
    for (int it = 0; it < std::max(iterations, 1); ++it) {
        if (it > 0) {
            const double s = o.changepoint_prior_scale;
            for (Eigen::Index j = 0; j < a; ++j) {
                if (!laplace[static_cast<std::size_t>(j)]) continue;
                const double delta = std::fabs(span * fit.beta[j] / ys);
                precision[j] = span * span / (s * std::max(delta, kLaplaceFloor * s) * ys * ys);
            }
        }
        Eigen::MatrixXd sys = d.asDiagonal() * m * d.asDiagonal();
        for (Eigen::Index j = 0; j < a; ++j) sys(j, j) += sigma2 * precision[j] * d[j] * d[j] + kJitter;
        Eigen::LDLT<Eigen::MatrixXd> ldlt(sys);
        fit.beta = d.asDiagonal() * ldlt.solve(d.asDiagonal() * b);
        const double rss = ne.yty - 2.0 * fit.beta.dot(b) + fit.beta.dot(m * fit.beta);
        sigma2 = std::max(rss, 0.0) / std::max(nd - static_cast<double>(a), 1.0);
    }
    fit.sigma2 = sigma2;
    return fit;
}

ComponentValues predict(const ModelFit &fit, const ForecastDesign &design, const double *x) {
    ComponentValues v;
    for (std::size_t j = 0; j < fit.cols.size(); ++j) {
        const std::size_t col = fit.cols[j];
        const double term = fit.beta[static_cast<Eigen::Index>(j)] * x[col];
        switch (design.component(col)) {
        case Component::trend: v.trend += term; break;
        case Component::weekly: v.weekly += term; break;
        case Component::yearly: v.yearly += term; break;
        case Component::events: v.events += term; break;
        }
    }
    return v;
}

}  // namespace anomaly
