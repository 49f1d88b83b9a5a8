#include "core/period_score.hpp"

#include "core/errors.hpp"
#include "core/f_distribution.hpp"
#include "core/fft.hpp"
#include "core/robust_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace anomaly {

namespace {

// F-test level for a pattern to count (per candidate and round). 1e-4 let
// 1–3% of white-noise and random-walk series of 100–1000 points report a
// period (up to ~100 tests per series); 1e-6 none of 2,400 such series of
// 16–2,000 points.
constexpr double kSignificance = 1e-6;
// Nor does a pattern explaining less than 1% of the variance (the rounding
// residue of a noiseless series passes any F test).
constexpr double kMinStrength = 0.01;
// Detrended values beyond this many robust standard deviations from their
// median are clipped before scoring (see PeriodScorer::winsorize), the
// thresholds taken from a sample of at most kClipSample points.
constexpr double kClipScales = 4.0;
constexpr std::size_t kClipSample = 8192;
// Lags of the residuals' autocorrelation summed directly before using an FFT.
constexpr std::size_t kDirectAcfLags = 32;
// Lower bound of the degrees-of-freedom factor (1 − ρ)/(1 + ρ).
constexpr double kMinDfFactor = 1e-3;

// See moving_average_trend(); writes trend[0..m), uses prefix[0..m].
void ma_trend(const double *x, std::size_t m, int p, double *trend, std::vector<double> &prefix, StopToken &stop) {
    const std::size_t h = static_cast<std::size_t>(p / 2);
    const bool even = p % 2 == 0;
    prefix.resize(m + 1);
    prefix[0] = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        stop.poll();
        prefix[i + 1] = prefix[i] + x[i];
    }
    const double inv = 1.0 / static_cast<double>(p);
    const std::size_t first = h, last = m - 1 - h;  // valid centers
    for (std::size_t i = first; i <= last; ++i) {
        double s = prefix[i + h + 1] - prefix[i - h];
        if (even) s -= 0.5 * (x[i - h] + x[i + h]);
        trend[i] = s * inv;
    }
    // Both ends: the line through the first / last (up to) p valid values.
    const std::size_t valid = last - first + 1;
    const std::size_t k = std::min<std::size_t>(valid, static_cast<std::size_t>(p));
    double a, b;
    least_squares_line(trend + first, k, a, b);
    for (std::size_t i = 0; i < first; ++i)
        trend[i] = a - b * static_cast<double>(first - i);
    least_squares_line(trend + (last + 1 - k), k, a, b);
    for (std::size_t i = last + 1; i < m; ++i)
        trend[i] = a + b * static_cast<double>(i - (last + 1 - k));
}

// Degrees of freedom of the fold of period p over m points. Subtracting the
// moving average keeps white noise at the pattern's frequencies (k/p: the
// moving average is 0 there) but removes a share 1 − c of it elsewhere,
// c = 1 − 2·w₀ + Σw² for the weights w of the average: 1 − 1/p (odd p),
// 1 − 1/p − 1/(2p²) (even p). So, with no pattern, E[SSB] = (p − 1)σ² and
// E[SSW] = (c·m − (p − 1))σ²: the within-phase degrees of freedom are
// c·m − (p − 1), not m − p (which made p = 2 look significant on short white
// noise: SSW shrinks by 3/8 there, SSB does not).
struct Dof {
    double between, within;
};
Dof degrees_of_freedom(std::size_t m, int p) {
    const double pd = static_cast<double>(p);
    const double c = p % 2 == 0 ? 1.0 - 1.0 / pd - 1.0 / (2.0 * pd * pd) : 1.0 - 1.0 / pd;
    return {pd - 1.0, std::max(1.0, c * static_cast<double>(m) - (pd - 1.0))};
}

// Estimated variances of the pattern and of the rest (irregular part):
//   σ̂²_rest = MSW = SSW / dof.within,
//   σ̂²_pattern = (SSB − dof.between · MSW) / m   (clipped at 0 by the caller).
struct Variances {
    double pattern, rest;
};
Variances variances(double ssb, double ssw, std::size_t m, const Dof &dof) {
    const double msw = ssw / dof.within;
    return {(ssb - dof.between * msw) / static_cast<double>(m), msw};
}

}  // namespace

void least_squares_line(const double *y, std::size_t k, double &a, double &b) {
    if (k < 2) {
        a = k == 1 ? y[0] : 0.0;
        b = 0.0;
        return;
    }
    const double kd = static_cast<double>(k);
    const double mean_i = (kd - 1.0) / 2.0;
    double mean_y = 0.0;
    for (std::size_t i = 0; i < k; ++i) mean_y += y[i];
    mean_y /= kd;
    double sxy = 0.0, sxx = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        const double di = static_cast<double>(i) - mean_i;
        sxy += di * (y[i] - mean_y);
        sxx += di * di;
    }
    b = sxy / sxx;
    a = mean_y - b * mean_i;
}

std::vector<double> moving_average_trend(const double *x, std::size_t m, int p) {
    if (p < 2 || static_cast<std::size_t>(p) > m / 2)
        throw InvalidParameter("moving_average_trend: need 2 <= p <= m/2");
    std::vector<double> trend(m), prefix;
    StopToken stop;
    ma_trend(x, m, p, trend.data(), prefix, stop);
    return trend;
}

PeriodScorer::PeriodScorer(std::size_t m) : m_(m), trend_(m), detrended_(m), prefix_(m + 1) {}

// Detrends `series` for period p into detrended_ and folds it; the
// phase means stay in means_.
PeriodScorer::Fold PeriodScorer::fold(const double *series, int p, int trend_window, StopToken &stop) {
    const std::size_t m = m_;
    ma_trend(series, m, trend_window, trend_.data(), prefix_, stop);
    const std::size_t pp = static_cast<std::size_t>(p);
    means_.assign(pp, 0.0);
    counts_.assign(pp, 0.0);
    for (std::size_t i = 0; i < m; ++i) {
        stop.poll();
        detrended_[i] = series[i] - trend_[i];
    }
    winsorize();
    double total = 0.0;
    for (std::size_t i = 0, j = 0; i < m; ++i, j = (j + 1 == pp ? 0 : j + 1)) {
        means_[j] += detrended_[i];
        counts_[j] += 1.0;
        total += detrended_[i];
    }
    const double grand = total / static_cast<double>(m);
    Fold f;
    for (std::size_t j = 0; j < pp; ++j) {
        means_[j] /= counts_[j];
        f.ssb += counts_[j] * (means_[j] - grand) * (means_[j] - grand);
    }
    // detrended_ becomes the within-phase residual e.
    double lag1 = 0.0, prev = 0.0;
    for (std::size_t i = 0, j = 0; i < m; ++i, j = (j + 1 == pp ? 0 : j + 1)) {
        stop.poll();
        const double e = detrended_[i] - means_[j];
        detrended_[i] = e;
        f.ssw += e * e;
        if (i > 0) lag1 += prev * e;
        prev = e;
    }
    f.rho1 = f.ssw > 0.0 ? lag1 / f.ssw : 0.0;
    return f;
}

// Clips detrended_ to median ± kClipScales·scale, scale = the larger of
// 1.4826·MAD and 1.2533·mean absolute deviation from the median (each
// ≈ σ for normal data; the second stays positive when over half the
// values are equal). Spikes would otherwise dominate both the pattern
// (two spikes a period apart look like one) and the rest; a pattern that
// repeats, even a sharp one, stays a pattern. O(m).
// Above kClipSample points, median and deviations come from a fixed
// pseudo-random sample of that many (deterministic; not a stride, which
// could fall on one phase of the period).
void PeriodScorer::winsorize() {
    const std::size_t m = m_;
    const double *sample = detrended_.data();
    std::size_t k = m;
    if (m > kClipSample) {
        sample_.resize(kClipSample);
        std::uint64_t state = 0x9E3779B97F4A7C15ULL;
        for (std::size_t i = 0; i < kClipSample; ++i) {
            // splitmix64
            state += 0x9E3779B97F4A7C15ULL;
            std::uint64_t z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            z ^= z >> 31;
            sample_[i] = detrended_[static_cast<std::size_t>(z % m)];
        }
        sample = sample_.data();
        k = kClipSample;
    }
    const RobustLocation loc = robust_location(sample, k);
    const double scale = std::max(1.0 / kMadConsistency * loc.mad, kMeanAbsDeviationConsistency * loc.mean_abs_dev);
    const double lo = loc.median - kClipScales * scale, hi = loc.median + kClipScales * scale;
    for (std::size_t i = 0; i < m; ++i) detrended_[i] = std::clamp(detrended_[i], lo, hi);
}

// The integrated autocorrelation time τ = 1 + 2·Σ_{k=1..W} ρ_k of the
// within-phase residuals of the last fold, with Sokal's automatic window
// (the smallest W ≥ 5·τ(W)): n/τ is their effective number. O(m log m).
// Short windows (white-ish residuals) are summed directly; longer ones
// take one FFT.
double PeriodScorer::autocorrelation_time(StopToken &stop) {
    const std::size_t m = m_;
    const double *e = detrended_.data();
    double c0 = 0.0;
    for (std::size_t i = 0; i < m; ++i) c0 += e[i] * e[i];
    if (!(c0 > 0.0)) return 1.0;
    double tau = 1.0;
    const std::size_t direct = std::min<std::size_t>(kDirectAcfLags, m - 1);
    for (std::size_t w = 1; w <= direct; ++w) {
        double c = 0.0;
        for (std::size_t i = 0; i + w < m; ++i) c += e[i] * e[i + w];
        stop.poll();
        tau += 2.0 * c / c0;
        if (static_cast<double>(w) >= 5.0 * tau) return tau;
    }
    const std::vector<double> acf = autocorrelation(e, m, m - 1);
    tau = 1.0;
    for (std::size_t w = 1; w < m; ++w) {
        tau += 2.0 * acf[w];
        if (static_cast<double>(w) >= 5.0 * tau) break;
    }
    return tau;
}

void PeriodScorer::remove_pattern(double *series, int p, StopToken &stop) {
    fold(series, p, p, stop);
    const std::size_t pp = means_.size();
    double centre = 0.0;
    for (std::size_t j = 0; j < pp; ++j) centre += counts_[j] * means_[j];
    centre /= static_cast<double>(m_);
    for (std::size_t i = 0, j = 0; i < m_; ++i, j = (j + 1 == pp ? 0 : j + 1)) series[i] -= means_[j] - centre;
}

PeriodScore PeriodScorer::score(const double *reference, const double *residual, int p, int trend_window,
                                PeriodTests tests, StopToken &stop) {
    const std::size_t m = m_;
    // With another trend window the noise correction is approximate (the
    // window's average is not 0 at every frequency k/p).
    Dof dof = degrees_of_freedom(m, trend_window);
    dof.within = std::max(1.0, dof.within + (trend_window - 1.0) - (p - 1.0));
    dof.between = p - 1.0;
    double total = -1.0;
    if (reference != residual) {
        const Fold r = fold(reference, p, trend_window, stop);
        const Variances ref = variances(r.ssb, r.ssw, m, dof);
        total = std::max(0.0, ref.pattern) + ref.rest;
    }
    const Fold f = fold(residual, p, trend_window, stop);
    const Variances v = variances(f.ssb, f.ssw, m, dof);
    if (total < 0.0) total = std::max(0.0, v.pattern) + v.rest;
    PeriodScore s{0.0, std::numeric_limits<double>::quiet_NaN(), 1.0, false};
    if (!(total > 0.0) || !(f.ssb > 0.0)) return s;
    s.strength = std::clamp(v.pattern / total, 0.0, 1.0);
    if (v.rest == 0.0) {
        s.f = std::numeric_limits<double>::infinity();
        s.p_value = 0.0;
    } else {
        s.f = f.ssb / dof.between / v.rest;
        // Correlated residuals carry less information than their count: the
        // degrees of freedom shrink by the residuals' autocorrelation time,
        // first as AR(1) from the lag-1 correlation ((1 + ρ)/(1 − ρ)), then,
        // if that still passes, by the integrated time (slower-decaying
        // correlation, e.g. a random walk, has a longer one).
        const double rho = std::max(0.0, f.rho1);
        double factor = std::max(kMinDfFactor, (1.0 - rho) / (1.0 + rho));
        s.p_value = f_distribution_sf(s.f, dof.between * factor, dof.within * factor);
        if (tests == PeriodTests::all && s.p_value < kSignificance && rho > 0.0) {
            factor = std::max(kMinDfFactor, std::min(factor, 1.0 / autocorrelation_time(stop)));
            s.p_value = f_distribution_sf(s.f, dof.between * factor, dof.within * factor);
        }
    }
    s.significant = s.p_value < kSignificance && s.strength >= kMinStrength;
    return s;
}

PeriodScore score_period(const double *x, std::size_t m, int p, StopToken &stop) {
    if (p < 2 || static_cast<std::size_t>(p) > m / 2) throw InvalidParameter("score_period: need 2 <= p <= m/2");
    PeriodScorer scorer(m);
    return scorer.score(x, x, p, PeriodTests::all, stop);
}

}  // namespace anomaly
