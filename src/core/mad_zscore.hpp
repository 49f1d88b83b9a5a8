// The modified z-score of each point against the median and MAD of the points
// before it: the causal detector behind anomaly.mad_zscore.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>

namespace anomaly {

struct MadZscoreParams {
    // History: the last `lookback` finite values before the point.
    int lookback = 28;
    // No score while fewer finite values than this precede the point.
    int min_history = 7;
};

// Throws InvalidParameter unless 1 ≤ min_history ≤ lookback.
void validate(const MadZscoreParams &params);

// For every i, out[i] = the modified z-score of values[i] against the last
// `lookback` finite values among values[0..i-1]. Non-finite values (NaN, ±∞)
// never enter the history. out[i] is NaN ("no score") when values[i] is not
// finite or fewer than `min_history` finite values precede it.
// O(n log w) time for w = min(lookback, n) (expected: the tree is a treap),
// O(w) extra memory.
void mad_zscore_rolling(const double *values, std::size_t n, const MadZscoreParams &params, double *out,
                        StopToken &stop);

// The score of `x` against `history` (oldest first; may contain non-finite
// values, which are skipped): the same as the last element of
// mad_zscore_rolling over history followed by x. NaN when there is no score.
double mad_zscore_last(const double *history, std::size_t n, double x, const MadZscoreParams &params);

}  // namespace anomaly
