// The causal STL residual score behind anomaly.stl_residual(...) OVER (...).
//
// Series: the finite values of a partition in order (NULL, NaN, ±Infinity rows
// are skipped and get no score). For the m-th value, once `history` values
// are available, the trailing window of the last `history` values (ending at
// it) is decomposed by STL (period, seasonal 7, every other STL setting at its
// default) and the row's residual is that of the window's last point. Its
// score is
//     residual / (1.4826 · MAD)
// where MAD is the median absolute deviation (about their median) of the
// residuals of the previous rows, at most `history` of them; no score until at
// least max(7, period) previous residuals exist. MAD = 0: the mean absolute
// deviation ×1.253314 instead; both 0: 0 when the residual is 0, else ±∞.
// Residuals and spreads below 1e-10 × max |value| of the window count as 0
// (rounding noise of an exactly periodic series).
//
// How it is computed (see stl_residual.cpp):
//  - robust = false: STL without robustness weights is linear in the data, so
//    the last point's residual is a fixed dot product with the window; the
//    weights are computed once (history STL fits of unit vectors).
//  - robust = true: a literal robust STL fit (inner 2, outer 15 iterations) of
//    the window every `refresh` rows; in between, the previous row's fit is
//    warm-started on the window shifted by one (trend and robustness weights
//    shifted, the new point weight 1), then one weighted pass (inner 2),
//    fresh robustness weights from its residuals, and a second pass.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace anomaly {

struct StlResidualParams {
    int period = 7;
    bool robust = true;
    std::optional<int> history;  // default max(8·period, 56); >= 2·period
    std::optional<int> refresh;  // robust: rows between literal fits; default period
};

// Defaults filled; throws InvalidParameter for a bad period/history/refresh.
StlResidualParams resolve_stl_residual_params(const StlResidualParams &params);

// Weights b with residual of the last point = Σ b[i]·window[i] for non-robust
// STL (period, defaults) of a window of `history` points.
std::vector<double> stl_last_residual_weights(int period, int history, StopToken &stop);

// residuals[i] = the row's residual as described above (NaN = none), for every
// row of values[0..n-1]. `weights`: stl_last_residual_weights() for the
// resolved parameters when not robust (may be null: computed here).
void stl_residual_rolling(const double *values, std::size_t n, const StlResidualParams &params,
                          const std::vector<double> *weights, double *residuals, StopToken &stop);

// scores[i] from residuals[i] as described above (NaN = no score).
void stl_residual_scores(const double *values, const double *residuals, std::size_t n,
                         const StlResidualParams &params, double *scores, StopToken &stop);

}  // namespace anomaly
