// Period detection: which seasonal periods a series has, and how strong each
// is. The core of anomaly.detect_period.
//
// Method: O(n log n) for the candidates, then O(n) per score: up to 128
// candidates (32 peaks × 4 lags), re-scored each round while significant,
// plus each round winner's neighbours and divisors, plus an O(n log n)
// autocorrelation time for significant scores with correlated residuals.
//  1. Prepare: leading and trailing missing values (NaN) are dropped, interior
//     ones filled by linear interpolation between their finite neighbours;
//     the series is scaled to max |x| = 1 and centred (results are invariant
//     under a·x + b).
//  2. Candidates: the series minus its least-squares line, Hann-tapered and
//     zero-padded, gives a periodogram; its 32 most prominent local maxima
//     (power over the median power of the 33 bins around it, a median never
//     taken below 1e-9 of the total power) in the allowed period range are
//     candidate frequencies. Each gives the nearest integer to its period
//     and the (up to) 3 highest local maxima of the autocorrelation function
//     (ACF) of the detrended series within the peak's resolution range (the
//     hill tops, AUTOPERIOD-style).
//  3. Score: a candidate p is scored on the series minus its centered moving
//     average of length p (2×p for even p; the classical-decomposition trend,
//     which contains no period-p pattern; at both ends the trend is the
//     straight-line extrapolation of its first/last p values). Detrended
//     values beyond 4 robust standard deviations of their median are clipped
//     (spikes; scale = max(1.4826·MAD, 1.2533·mean absolute deviation)).
//     Folding that detrended series by phase i mod p is a one-way analysis
//     of variance (SSB between phases, SSW within), which estimates the
//     variance of the mean pattern over one period and of the rest (the
//     irregular part):
//        σ̂²_rest = MSW = SSW / (c·n − (p − 1)),   σ̂²_pattern = (SSB − (p − 1)·MSW) / n,
//        strength(p) = σ̂²_pattern / (σ̂²_pattern + σ̂²_rest), clipped to [0, 1]
//     (c corrects for the noise the moving average removes, see the .cpp).
//     That is the "strength of seasonality" 1 − Var(rest)/Var(pattern + rest)
//     of Wang, Smith & Hyndman (2006), with unbiased variance estimates: ≈ 0
//     in expectation when there is no pattern, whatever p and n are. The
//     pattern counts only if its strength is at least 0.01 and the F test
//     MSB/MSW rejects "no pattern" at level 1e-6, with both degrees of
//     freedom divided by the autocorrelation time of the within-phase
//     residuals ((1 + ρ)/(1 − ρ) from their lag-1 correlation ρ ≥ 0, and if
//     that passes, their integrated autocorrelation time 1 + 2·Σρ_k with
//     Sokal's window), so that smooth wandering such as a random walk is not
//     read as a pattern.
//  4. Select, greedily: the candidate of highest strength wins the round; it
//     climbs to a stronger neighbour (p ± 1) while there is one, and snaps
//     to a multiple of a found period within 2 lags (or 0.5%) if that has
//     90% of its strength (168, not 167, after 24); then the
//     smallest divisor d ≥ min_period of the winner q replaces it if d is
//     significant, has at least 25% of q's strength, and at least 70% of
//     q's strength measured on d's time scale (q's pattern with the moving
//     average over d as trend): the fundamental is preferred to its
//     multiples (7, not 14 or 21; 24, not 168; 7 before 364 when 364 adds a
//     yearly cycle). The winner's mean pattern is subtracted from the
//     series, and the next rounds score the remaining candidates (except
//     divisors of found periods, whose pattern is part of theirs) on what is
//     left: a later period's strength is σ̂²_pattern of what is left over
//     σ̂²_pattern + σ̂²_rest of the series itself, the share it explains
//     BEYOND the periods found before it (hourly data: 24 first, then 168
//     with the weekday/weekend difference only).
// Results are ordered by strength, highest first; at most
// kMaxDetectedPeriods rows.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"
#include "core/period_score.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace anomaly {

constexpr std::size_t kMaxDetectedPeriods = 8;

struct PeriodDetectionParams {
    int min_period = 2;
    // Unset: half the prepared series' length (a period needs two cycles).
    // Larger values are lowered to that bound.
    std::optional<int> max_period;
};

struct DetectedPeriod {
    int period;
    double strength;  // in [0, 1]
};

// Throws InvalidParameter unless min_period ≥ 2 and max_period (if set) ≥ min_period.
void validate(const PeriodDetectionParams &params);

// The steps above. values may hold NaN (missing); ±Infinity throws DataError.
// No result (empty) when fewer than 2·min_period points remain after
// trimming, or the series is constant, or no candidate is significant.
std::vector<DetectedPeriod> detect_periods(const double *values, std::size_t n, const PeriodDetectionParams &params,
                                           StopToken &stop);

// Step 1 alone: the series with leading/trailing NaN dropped and interior NaN
// linearly interpolated; empty when no value is finite. Throws DataError on ±∞.
std::vector<double> fill_missing(const double *values, std::size_t n);

}  // namespace anomaly
