// STL: Seasonal-Trend decomposition by LOESS (Cleveland, Cleveland, McRae and
// Terpenning 1990), with the parameters, defaults and arithmetic of
// statsmodels.tsa.seasonal.STL (statsmodels 0.13), which the unit tests match
// to 1e-8 on reference series (test/fixtures/stl).
#pragma once

#include "core/cancellation.hpp"
#include "core/loess.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace anomaly {

struct StlParams {
    int period = 7;                  // ≥ 2
    int seasonal = 7;                // seasonal smoother span: odd, ≥ 3
    std::optional<int> trend;        // odd, ≥ 3, > period; default: smallest odd ≥ 1.5·period/(1 − 1.5/seasonal)
    std::optional<int> low_pass;     // odd, ≥ 3, > period; default: smallest odd > period
    int seasonal_deg = 1;            // 0 or 1
    int trend_deg = 1;
    int low_pass_deg = 1;
    bool robust = false;
    int seasonal_jump = 1;           // ≥ 1
    int trend_jump = 1;
    int low_pass_jump = 1;
    std::optional<int> inner_iter;   // ≥ 1; default 2 when robust, else 5
    std::optional<int> outer_iter;   // ≥ 0; default 15 when robust, else 0
};

// Every default filled in; throws InvalidParameter (naming the parameter)
// unless the parameters are valid for a series of n points (n ≥ 2·period).
StlParams resolve_stl_params(const StlParams &params, std::size_t n);

// Whether two parameter sets describe the same decomposition.
bool same_settings(const StlParams &a, const StlParams &b);

struct StlComponents {
    std::vector<double> trend, seasonal, resid, weights;  // weights: final robustness weights (1 if not robust)
};

// Decomposes y[0..n-1] (finite values) as STL.fit() does.
StlComponents stl_decompose(const double *y, std::size_t n, const StlParams &params, StopToken &stop);

// The STL machinery for one series length, reusable across series (no
// allocation after construction). Exposes the steps of the fit so that
// callers can warm-start them (stl_residual's robust path).
class StlEngine {
public:
    // params must be resolved for n.
    StlEngine(const StlParams &resolved, std::size_t n);

    // The full fit of STL.fit(): starts from trend = 0, weights = 1.
    void fit(const double *y, StopToken &stop);

    // One inner loop pass (`inner` seasonal/trend updates) starting from the
    // current trend; uses the current robustness weights when use_weights.
    void pass(const double *y, int inner, bool use_weights, StopToken &stop);
    // Robustness weights from the residuals of the current fit (bisquare of
    // |resid| / (6·median |resid|)).
    void update_weights(const double *y);

    std::size_t size() const { return n_; }
    const StlParams &params() const { return p_; }
    std::vector<double> &trend() { return trend_; }
    std::vector<double> &seasonal() { return season_; }
    std::vector<double> &weights() { return rw_; }

private:
    void cycle_subseries(bool use_weights, StopToken &stop);
    void low_pass_of_cycles(StopToken &stop);
    static void moving_average(const double *x, int n, int len, double *out);

    StlParams p_;
    std::size_t n_;
    std::vector<double> trend_, season_, rw_;
    std::vector<double> w0_, w1_, w2_, w3_, w4_, scratch_;
    loess::TricubeTable kernel_;
    // Precomputed weights of the smoothers that run without robustness
    // weights (null when the series is too long for them to pay).
    std::unique_ptr<loess::SmoothPlan> low_pass_plan_, trend_plan_, cycle_plan_long_, cycle_plan_short_;
};

}  // namespace anomaly
