// Scoring one candidate period: the series minus its moving-average trend,
// folded by phase; the strength of the mean pattern and an F test of it.
// Step 3 of the method in period_detection.hpp, which defines the terms.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <vector>

namespace anomaly {

struct PeriodScore {
    double strength;  // σ̂²_pattern / (σ̂²_pattern + σ̂²_rest), clipped to [0, 1]
    double f;         // MSB / MSW (+∞ when MSW = 0 < MSB; NaN when there is nothing to test)
    double p_value;   // of the autocorrelation-deflated F test
    bool significant;  // p_value < 1e-6 and strength ≥ 0.01
};

// Least-squares line through (i, y[i]) for i in [0, k): y ≈ a + b·i.
void least_squares_line(const double *y, std::size_t k, double &a, double &b);

// The centered moving-average trend of length p (2×p for even p) with
// straight-line extrapolation at both ends (the line through the first /
// last p valid values); 2 ≤ p ≤ m/2. Throws InvalidParameter otherwise.
std::vector<double> moving_average_trend(const double *x, std::size_t m, int p);

// The score of period p (2 ≤ p ≤ m/2) for a finite series x[0..m).
PeriodScore score_period(const double *x, std::size_t m, int p, StopToken &stop);

// Which tests score() runs: `screen` stops after the O(m) F test with the
// lag-1 correction (what fails it fails the rest); `all` adds the integrated
// autocorrelation time, O(m log m).
enum class PeriodTests { screen, all };

// Scores periods of series of one length m, reusing its buffers.
class PeriodScorer {
public:
    explicit PeriodScorer(std::size_t m);

    // The pattern of period p in `residual`, with strength = σ̂²_pattern of
    // the residual / (σ̂²_pattern + σ̂²_rest of `reference`). The same
    // pointer twice scores a series on its own; after periods were removed
    // from the residual, the reference is the series they were removed from.
    PeriodScore score(const double *reference, const double *residual, int p, PeriodTests tests, StopToken &stop) {
        return score(reference, residual, p, p, tests, stop);
    }
    // The same with the trend taken as the moving average of length
    // trend_window (2 ≤ trend_window ≤ m/2) instead of p: how strong the
    // period-p pattern is on the time scale of a shorter period, whose
    // moving average leaves out slower cycles (a yearly one, for 364 vs 7).
    PeriodScore score(const double *reference, const double *residual, int p, int trend_window, PeriodTests tests,
                      StopToken &stop);

    // series −= its mean pattern of period p (detrended, clipped, centered).
    void remove_pattern(double *series, int p, StopToken &stop);

private:
    struct Fold {
        double ssb = 0, ssw = 0;
        double rho1 = 0;  // lag-1 autocorrelation of the within-phase residuals
    };
    Fold fold(const double *series, int p, int trend_window, StopToken &stop);
    void winsorize();
    double autocorrelation_time(StopToken &stop);

    std::size_t m_;
    std::vector<double> trend_, detrended_, prefix_, means_, counts_, sample_;
};

}  // namespace anomaly
