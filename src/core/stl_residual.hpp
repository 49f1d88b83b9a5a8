// The causal STL residual score behind anomaly.stl_residual(...) OVER (...).
//
// Series: the rows of a partition in order, from its first finite value on.
// Missing rows (NULL, NaN, ±Infinity, |value| > 1e150) get no residual and no score, and are
// filled so that the seasonal phase is kept: once `history` rows exist, with
// their expected value (the value that would give them a zero residual in the
// window ending at them, from the rows before only); before that, by linear
// interpolation between their finite neighbours (both at or before any row
// scored with them: causal). For a finite row with at least `history` rows
// (counted from the first finite one) up to it, the trailing window of the
// last `history` rows (ending at it) is decomposed by STL (period, seasonal 7, every other STL setting at its
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
// How it is computed: STL without robustness weights is linear in the data,
// so the last point's residual is a fixed dot product b·window with weights b
// computed once (history STL fits of unit vectors): O(history) per row.
//  - robust = false: residual = b·(the last `history` values).
//  - robust = true: the same, but in the window every earlier row whose own
//    score was beyond ±3.5 is replaced by its expected value
//        y_j − r_j / b_last,
//    the value that would have given it a zero residual (the decomposition's
//    prediction from the other points of its window), unless it belongs to a
//    run of more than kMaxCleanedRun consecutive flagged rows (a level shift)
//    or the row one period before or after it was flagged too (a change of
//    the seasonal pattern): those rows are used as they are, so that the
//    trend and the seasonal follow the change. An isolated outlier thus never
//    bends the trend or seasonal of the rows after it; the current row is
//    always taken as it is. This is not statsmodels' robust STL (whose
//    bisquare re-weighting per window costs ~100× more); it is exactly a
//    non-robust STL of the cleaned window, which the unit tests check.
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
    std::optional<int> history;  // default max(8·period, 56); 3·period .. 2000
};

// |score| beyond this marks a row as an outlier that robust mode cleans...
constexpr double kStlResidualOutlier = 3.5;
// ...unless more than this many consecutive rows are flagged (a level shift).
constexpr std::size_t kMaxCleanedRun = 3;

// Defaults filled; throws InvalidParameter for a bad period/history.
StlResidualParams resolve_stl_residual_params(const StlResidualParams &params);

// Weights b with residual of the last point = Σ b[i]·window[i] for non-robust
// STL (period, defaults) of a window of `history` points.
std::vector<double> stl_last_residual_weights(int period, int history, StopToken &stop);

// For every row of values[0..n-1]: residuals[i] and scores[i] as described
// above (NaN = none). `weights`: stl_last_residual_weights() for the resolved
// parameters, or null (then computed here, and kept for the next calls with
// the same period and history: the last 8 such pairs are memoised per process).
void stl_residual_rolling(const double *values, std::size_t n, const StlResidualParams &params,
                          const std::vector<double> *weights, double *residuals, double *scores, StopToken &stop);

}  // namespace anomaly
