// Calibration of detector scores to one common scale, the tail probability,
// and the combinations ensemble_anomaly makes of them.
//
// Every detector of the ensemble reports a raw score on its own scale (a
// robust z-score, a forecast score in interval half-widths, an isolation
// forest score in [0, 1], a CUSUM statistic...). To combine them each is
// turned into p, the probability of a score at least as extreme when nothing
// is wrong:
//  - theoretical: a raw score that is a z-score (after a known scale factor)
//    gets the two-sided normal tail p = erfc(|z| / √2);
//  - empirical: a score with no usable theory gets its rank among the
//    detector's own earlier scores, p = (1 + #{earlier ≥ x}) / (1 + N).
// The calibrated score is 1 − p (0.999 = as rare as 1 in 1,000 normal points)
// and the surprise is −log10 p (3 = 1 in 1,000). The weighted combination
// averages surprises, i.e. takes the weighted geometric mean of p.
#pragma once

#include "core/no_postgres.hpp"

#include <cstddef>

namespace anomaly {

// The largest surprise reported: p below 1e-16 is not resolved by doubles
// (1 − p rounds to 1), and one absurd score must not outweigh every other
// detector without bound.
constexpr double kMaxSurprise = 16.0;

// Two-sided normal tail probability of a z-score: erfc(|z|/√2), in
// [1e-16, 1]. NaN for NaN.
double normal_two_sided_p(double z);

// Upper tail rank of x among history[0..n-1] (non-finite entries skipped):
// (1 + #{h ≥ x}) / (1 + N), N = number of finite entries. NaN when x is not
// finite. With N = 0 it is 1.
double empirical_upper_p(const double *history, std::size_t n, double x);

// −log10 p clipped to [0, kMaxSurprise]; NaN for NaN.
double surprise(double p);

// 1 − 10^(−s): back from a surprise to a calibrated score in [0, 1).
double calibrated_from_surprise(double s);

// In a combination each surprise counts at most this much (p = 1e-8): one
// detector gone wild (an STL window straddling a changed pattern, say)
// cannot outvote all the others on its own.
constexpr double kCombinedSurpriseCap = 8.0;

// Weighted mean of the surprises min(s[i], kCombinedSurpriseCap) of the
// detectors with available[i] and weight w[i] > 0 (the weights renormalised
// over those). NaN when none.
double weighted_surprise(const double *s, const double *w, const bool *available, std::size_t n);

}  // namespace anomaly
