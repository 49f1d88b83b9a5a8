// The linear model behind the seasonal forecast: its design (which column is
// what), normal equations that grow one row at a time, and the regularised
// least-squares fit. Used by seasonal_forecast.cpp; no PostgreSQL, no I/O.
//
// Columns, in this order: intercept, τ (days since the first timestamp),
// weekly Fourier terms, yearly Fourier terms, one indicator per event name,
// then the candidate changepoints (τ − c_j)₊ with c_j = j·changepoint_spacing,
// j = 1..G. A row's changepoint columns are nonzero only for c_j < τ, so the
// nonzero columns of a row are a prefix: adding a row costs O(prefix²).
#pragma once

#include "core/forecast_options.hpp"
#include "core/no_postgres.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <vector>

namespace anomaly {

enum class Component { trend, weekly, yearly, events };

class ForecastDesign {
public:
    // t0: UTC seconds of the first timestamp; reach_days: the latest τ a fit
    // may place a changepoint at (sizes the grid only; results never depend
    // on it). Throws std::length_error when the grid would exceed kMaxGrid points.
    ForecastDesign(const ForecastOptions &options, double t0, double reach_days);

    static constexpr std::size_t kMaxGrid = 1500;

    std::size_t size() const { return size_; }
    double tau(double ts) const { return (ts - t0_) / 86400.0; }
    // Fills x (size()) for UTC seconds ts; returns the length of its nonzero prefix.
    std::size_t features(double ts, double *x) const;

    Component component(std::size_t col) const;
    std::size_t weekly_begin() const { return weekly_; }
    std::size_t yearly_begin() const { return yearly_; }
    std::size_t events_begin() const { return events_; }
    std::size_t grid_begin() const { return grid_; }
    std::size_t grid_size() const { return size_ - grid_; }
    double grid_point(std::size_t j) const { return static_cast<double>(j + 1) * spacing_; }  // τ days

private:
    const ForecastOptions &options_;
    double t0_;
    double spacing_;
    std::size_t weekly_, yearly_, events_, grid_, size_;
};

// XᵀWX (lower triangle), XᵀWy, yᵀWy of the rows added so far, each row with
// its weight w (1 unless down-weighted as an outlier).
class NormalEquations {
public:
    explicit NormalEquations(std::size_t p);
    void add(const double *x, std::size_t prefix, double y, double tau, double weight = 1.0);
    // As if every row added so far had had y + c (a level shift carried
    // back over the history): XᵀWy gains c·XᵀW1, the intercept's column.
    void shift_history(double c);
    // Adds weight (may be negative) to a row already added with value y:
    // the sums change as add() would change them; the row count, τ range and
    // max |y| do not (reweight(x, y, −w) then reweight(x, y', w') replaces
    // a row's y and weight).
    void reweight(const double *x, std::size_t prefix, double y, double weight);

    Eigen::MatrixXd xtx;  // lower triangle valid
    Eigen::VectorXd xty;
    double yty = 0;
    double sum_y = 0;
    double sum_w = 0;
    double max_abs_y = 0;
    double first_tau = 0;
    double last_tau = 0;
    std::size_t n = 0;
};

struct ModelFit {
    std::vector<std::size_t> cols;  // active columns, increasing
    Eigen::VectorXd beta;           // one per active column
    double sigma2 = 0;              // in-sample residual variance
};

// Chooses the active columns for the history in `ne` and solves the ridge
// problem min ‖y − Xβ‖² + Σ λ_j β_j², where λ_j turns the prior scales of the
// options (Prophet's, on y/max|y| and time scaled to [0, 1]) into the units
// of the data: λ = σ²·c²/(s²·ys²), c = history span in days for changepoints
// and 1 otherwise, s = the prior scale, ys = max|y| (1 when log_scale).
// Seasonal and event terms have Gaussian priors (plain ridge); changepoints
// have Prophet's Laplace prior, by iteratively reweighted ridge: solve 1 is
// Gaussian, each later solve uses λ = σ²·c²/(s·|δ|·ys²) with δ the scaled rate
// change of the solve before. σ² = the residual variance, re-estimated after
// each of `iterations` solves starting from sigma2_start (< 0: the variance of y).
ModelFit fit_model(const NormalEquations &ne, const ForecastDesign &design, const ForecastOptions &options,
                   bool log_scale, double sigma2_start, int iterations);

// The fitted components of one row (x from ForecastDesign::features), on the
// fitting scale (ln y in multiplicative mode).
struct ComponentValues {
    double trend = 0, weekly = 0, yearly = 0, events = 0;
    double sum() const { return trend + weekly + yearly + events; }
};
ComponentValues predict(const ModelFit &fit, const ForecastDesign &design, const double *x);

}  // namespace anomaly
