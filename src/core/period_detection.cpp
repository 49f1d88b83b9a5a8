#include "core/period_detection.hpp"

#include "core/errors.hpp"
#include "core/f_distribution.hpp"
#include "core/fft.hpp"
#include "core/robust_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <string>

namespace anomaly {

namespace {

// F-test level for a pattern to count (per candidate and round). 1e-4 let
// 1–3% of white-noise and random-walk series of 100–1000 points report a
// period (up to ~100 tests per series); 1e-6 none in 1,200 such series.
constexpr double kSignificance = 1e-6;
// Nor does a pattern explaining less than 1% of the variance (the rounding
// residue of a noiseless series passes any F test).
constexpr double kMinStrength = 0.01;
// A divisor replaces the round's best period when it has this share of its strength.
constexpr double kFundamentalShare = 0.7;
// Periodogram peaks kept as candidates, and the half-width (in bins) of the
// neighbourhood whose median power is a peak's background.
constexpr std::size_t kSpectralPeaks = 32;
constexpr std::size_t kBackgroundHalfWidth = 16;
// A peak's background is at least this share of the total power.
constexpr double kBackgroundFloor = 1e-9;
// Steps of the final climb of a round's best period to a stronger neighbour.
constexpr int kMaxClimb = 8;
// ACF hill tops kept per periodogram peak.
constexpr std::size_t kHillsPerPeak = 3;
// Detrended values beyond this many robust standard deviations from their
// median are clipped before scoring (see Workspace::winsorize).
constexpr double kClipScales = 4.0;
constexpr std::size_t kClipSample = 8192;
// Lags of the residuals' autocorrelation summed directly before using an FFT.
constexpr std::size_t kDirectAcfLags = 32;
// Lower bound of the degrees-of-freedom factor (1 − ρ)/(1 + ρ).
constexpr double kMinDfFactor = 1e-3;

// Least-squares line through (i, y[i]) for i in [0, k): y ≈ a + b·i.
void fit_line(const double *y, std::size_t k, double &a, double &b) {
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
    fit_line(trend + first, k, a, b);
    for (std::size_t i = 0; i < first; ++i)
        trend[i] = a - b * static_cast<double>(first - i);
    fit_line(trend + (last + 1 - k), k, a, b);
    for (std::size_t i = last + 1; i < m; ++i)
        trend[i] = a + b * static_cast<double>(i - (last + 1 - k));
}

// The one-way analysis of variance of x − trend_p(x) grouped by i mod p.
struct Fold {
    double ssb = 0, ssw = 0;
    double rho1 = 0;  // lag-1 autocorrelation of the within-phase residuals
};

class Workspace {
public:
    explicit Workspace(std::size_t m) : trend_(m), detrended_(m), prefix_(m + 1) {}

    // Detrends `series` for period p into detrended_ and folds it; the
    // phase means stay in means_.
    Fold fold(const double *series, std::size_t m, int p, StopToken &stop) {
        ma_trend(series, m, p, trend_.data(), prefix_, stop);
        const std::size_t pp = static_cast<std::size_t>(p);
        means_.assign(pp, 0.0);
        counts_.assign(pp, 0.0);
        for (std::size_t i = 0; i < m; ++i) {
            stop.poll();
            detrended_[i] = series[i] - trend_[i];
        }
        winsorize(m);
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
    void winsorize(std::size_t m) {
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
    double autocorrelation_time(std::size_t m, StopToken &stop) {
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

    // series[i] −= the (centered) phase mean of the last fold.
    void subtract_pattern(double *series, std::size_t m) const {
        const std::size_t pp = means_.size();
        double centre = 0.0;
        for (std::size_t j = 0; j < pp; ++j) centre += counts_[j] * means_[j];
        centre /= static_cast<double>(m);
        for (std::size_t i = 0, j = 0; i < m; ++i, j = (j + 1 == pp ? 0 : j + 1)) series[i] -= means_[j] - centre;
    }

private:
    std::vector<double> trend_, detrended_, prefix_, means_, counts_, sample_;
};

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
Variances variances(const Fold &f, std::size_t m, const Dof &dof) {
    const double msw = f.ssw / dof.within;
    return {(f.ssb - dof.between * msw) / static_cast<double>(m), msw};
}

// Scores the pattern of period p in `residual`. strength = σ̂²_pattern of the
// residual / (σ̂²_pattern + σ̂²_rest of `reference`), the prepared series: in
// the first round the two are the same series.
// Tests::screen stops after the O(n) F test with the lag-1 correction: what
// fails it fails the rest; Tests::all adds the integrated autocorrelation
// time, O(n log n).
enum class Tests { screen, all };

PeriodScore score(Workspace &ws, const double *reference, const double *residual, std::size_t m, int p, Tests tests,
                  StopToken &stop) {
    const Dof dof = degrees_of_freedom(m, p);
    double total = -1.0;
    if (reference != residual) {
        const Variances ref = variances(ws.fold(reference, m, p, stop), m, dof);
        total = std::max(0.0, ref.pattern) + ref.rest;
    }
    const Fold f = ws.fold(residual, m, p, stop);
    const Variances v = variances(f, m, dof);
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
        if (tests == Tests::all && s.p_value < kSignificance && rho > 0.0) {
            factor = std::max(kMinDfFactor, std::min(factor, 1.0 / ws.autocorrelation_time(m, stop)));
            s.p_value = f_distribution_sf(s.f, dof.between * factor, dof.within * factor);
        }
    }
    s.significant = s.p_value < kSignificance && s.strength >= kMinStrength;
    return s;
}

// Integer candidate periods in [min_p, max_p] from the periodogram's most
// prominent peaks, each refined on the ACF (step 2 of the header).
std::vector<int> spectral_candidates(const std::vector<double> &x, int min_p, int max_p, StopToken &stop) {
    const std::size_t m = x.size();
    // Detrend by the least-squares line.
    double a, b;
    fit_line(x.data(), m, a, b);
    std::vector<double> detrended(m);
    for (std::size_t i = 0; i < m; ++i) detrended[i] = x[i] - (a + b * static_cast<double>(i));

    const std::size_t nfft = next_power_of_two(2 * m);
    std::vector<std::complex<double>> buf(nfft);
    for (std::size_t i = 0; i < m; ++i) {
        const double w = m > 1 ? 0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(i) / static_cast<double>(m - 1))
                               : 1.0;
        buf[i] = detrended[i] * w;
    }
    stop.poll();
    fft(buf, false);
    const std::size_t half = nfft / 2;
    std::vector<double> power(half + 1);
    double total_power = 0.0;
    for (std::size_t j = 0; j <= half; ++j) {
        power[j] = std::norm(buf[j]);
        total_power += power[j];
    }

    const double nd = static_cast<double>(nfft);
    // Peaks up to one main-lobe half-width (4 bins) outside the period range
    // still count: their ranges below reach into it.
    const std::size_t j_lo = static_cast<std::size_t>(std::max(1.0, std::ceil(nd / max_p) - 4.0));
    const std::size_t j_hi = std::min<std::size_t>(half, static_cast<std::size_t>(std::floor(nd / min_p)) + 4);
    struct Peak {
        std::size_t bin;
        double prominence;
    };
    std::vector<Peak> peaks;
    std::vector<double> window;
    for (std::size_t j = j_lo; j <= j_hi; ++j) {
        stop.poll();
        const double left = j > 0 ? power[j - 1] : 0.0, right = j < half ? power[j + 1] : 0.0;
        if (!(power[j] > left && power[j] >= right)) continue;
        const std::size_t w_lo = j > kBackgroundHalfWidth ? j - kBackgroundHalfWidth : 1;
        const std::size_t w_hi = std::min(half, j + kBackgroundHalfWidth);
        window.assign(power.begin() + static_cast<std::ptrdiff_t>(w_lo), power.begin() + static_cast<std::ptrdiff_t>(w_hi) + 1);
        std::nth_element(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(window.size() / 2), window.end());
        // The floor keeps noiseless series (background ≈ rounding noise) ranked by power.
        const double background = std::max(window[window.size() / 2], kBackgroundFloor * total_power);
        peaks.push_back({j, background > 0.0 ? power[j] / background : 0.0});
    }
    std::sort(peaks.begin(), peaks.end(), [](const Peak &u, const Peak &v) {
        return u.prominence != v.prominence ? u.prominence > v.prominence : u.bin < v.bin;
    });
    if (peaks.size() > kSpectralPeaks) peaks.resize(kSpectralPeaks);

    const std::vector<double> acf = autocorrelation(detrended.data(), m, static_cast<std::size_t>(max_p));
    std::vector<int> out;
    auto clamp_period = [&](double v) {
        return static_cast<int>(std::clamp<double>(std::round(v), min_p, max_p));
    };
    struct Hill {
        int lag;
        double acf;
    };
    std::vector<Hill> hills;
    for (const Peak &pk : peaks) {
        const double jd = static_cast<double>(pk.bin);
        out.push_back(clamp_period(nd / jd));
        // The Hann main lobe spans ±2 bins of the unpadded transform, about
        // ±4 bins here: the true period lies in [N/(j+4), N/(j−4)].
        const int lo = std::max(min_p, static_cast<int>(std::ceil(nd / (jd + 4.0))));
        const int hi = pk.bin > 4 ? std::min(max_p, static_cast<int>(std::floor(nd / (jd - 4.0)))) : max_p;
        // The highest ACF hill tops (local maxima) in that range.
        hills.clear();
        for (int lag = std::max(lo, 3); lag <= hi && lag < max_p; ++lag) {
            stop.poll();
            const double a_lag = acf[static_cast<std::size_t>(lag)];
            if (a_lag > acf[static_cast<std::size_t>(lag - 1)] && a_lag >= acf[static_cast<std::size_t>(lag + 1)])
                hills.push_back({lag, a_lag});
        }
        const std::size_t keep = std::min(hills.size(), kHillsPerPeak);
        std::partial_sort(hills.begin(), hills.begin() + static_cast<std::ptrdiff_t>(keep), hills.end(),
                          [](const Hill &u, const Hill &v) { return u.acf != v.acf ? u.acf > v.acf : u.lag < v.lag; });
        for (std::size_t h = 0; h < keep; ++h) out.push_back(hills[h].lag);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

void validate(const PeriodDetectionParams &params) {
    if (params.min_period < 2)
        throw InvalidParameter("min_period must be at least 2, got " + std::to_string(params.min_period));
    if (params.max_period && *params.max_period < params.min_period)
        throw InvalidParameter("max_period must be at least min_period (" + std::to_string(params.min_period) +
                               "), got " + std::to_string(*params.max_period));
}

std::vector<double> fill_missing(const double *values, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (std::isinf(values[i]))
            throw DataError("values must not contain Infinity (element " + std::to_string(i + 1) + " is " +
                            (values[i] > 0 ? "Infinity" : "-Infinity") + ")");
    std::size_t first = 0;
    while (first < n && std::isnan(values[first])) ++first;
    if (first == n) return {};
    std::size_t last = n - 1;
    while (std::isnan(values[last])) --last;
    std::vector<double> out(values + first, values + last + 1);
    std::size_t prev = 0;  // index of the last finite value seen
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (std::isnan(out[i])) continue;
        const std::size_t gap = i - prev;
        for (std::size_t k = 1; k < gap; ++k)
            out[prev + k] = out[prev] + (out[i] - out[prev]) * static_cast<double>(k) / static_cast<double>(gap);
        prev = i;
    }
    return out;
}

std::vector<double> moving_average_trend(const double *x, std::size_t m, int p) {
    if (p < 2 || static_cast<std::size_t>(p) > m / 2)
        throw InvalidParameter("moving_average_trend: need 2 <= p <= m/2");
    std::vector<double> trend(m), prefix;
    StopToken stop;
    ma_trend(x, m, p, trend.data(), prefix, stop);
    return trend;
}

PeriodScore score_period(const double *x, std::size_t m, int p, StopToken &stop) {
    if (p < 2 || static_cast<std::size_t>(p) > m / 2) throw InvalidParameter("score_period: need 2 <= p <= m/2");
    Workspace ws(m);
    return score(ws, x, x, m, p, Tests::all, stop);
}

std::vector<DetectedPeriod> detect_periods(const double *values, std::size_t n, const PeriodDetectionParams &params,
                                           StopToken &stop) {
    validate(params);
    std::vector<double> x = fill_missing(values, n);
    const std::size_t m = x.size();
    // A period needs two cycles: max_period is at most m/2.
    const std::size_t half = m / 2;
    const int min_p = params.min_period;
    if (half < static_cast<std::size_t>(min_p)) return {};
    const int max_p = params.max_period && static_cast<std::size_t>(*params.max_period) < half
                          ? *params.max_period
                          : static_cast<int>(std::min<std::size_t>(half, std::numeric_limits<int>::max()));

    // Centre on the mean: the running sums of the moving averages then stay small.
    double mean = 0.0;
    for (double v : x) mean += v;
    mean /= static_cast<double>(m);
    for (double &v : x) v -= mean;

    std::vector<int> alive = spectral_candidates(x, min_p, max_p, stop);
    std::vector<double> residual = x;
    Workspace ws(m);
    std::vector<DetectedPeriod> found;
    // A period that divides one already found adds nothing new: its pattern
    // is part of the found one's (what shows is leftover of a pattern that
    // changes over time). Multiples can add: 168 after 24.
    auto divides_found = [&](int p) {
        return std::any_of(found.begin(), found.end(), [p](const DetectedPeriod &d) { return d.period % p == 0; });
    };
    while (!alive.empty() && found.size() < kMaxDetectedPeriods) {
        const double *reference = found.empty() ? residual.data() : x.data();
        // Screen the surviving candidates with the cheap test; the ones that
        // fail are dropped for good. Then the strongest that passes every
        // test wins the round (most rounds check one or two).
        std::vector<std::pair<int, double>> passed;  // period, strength
        for (int p : alive) {
            if (divides_found(p)) continue;
            const PeriodScore s = score(ws, reference, residual.data(), m, p, Tests::screen, stop);
            if (s.significant) passed.push_back({p, s.strength});
        }
        std::sort(passed.begin(), passed.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        alive.clear();
        int best = 0;
        PeriodScore best_score{};
        for (const auto &c : passed) {
            if (best == 0) {
                const PeriodScore s = score(ws, reference, residual.data(), m, c.first, Tests::all, stop);
                if (!s.significant) continue;
                best = c.first;
                best_score = s;
            }
            alive.push_back(c.first);
        }
        std::sort(alive.begin(), alive.end());
        if (best == 0) break;
        // Climb to the strongest neighbouring period: candidates come from
        // noisy ACF hills and may sit a lag or two off the top (167 for 168).
        for (int step = 0; step < kMaxClimb; ++step) {
            int next_best = best;
            PeriodScore next_score = best_score;
            for (int q : {best - 1, best + 1}) {
                if (q < min_p || q > max_p || divides_found(q)) continue;
                const PeriodScore s = score(ws, reference, residual.data(), m, q, Tests::all, stop);
                if (s.significant && s.strength > next_score.strength) next_best = q, next_score = s;
            }
            if (next_best == best) break;
            best = next_best;
            best_score = next_score;
        }
        // Prefer the smallest divisor that is nearly as strong.
        int chosen = best;
        double chosen_strength = best_score.strength;
        for (int d = min_p; d <= best / 2; ++d) {
            if (best % d != 0 || divides_found(d)) continue;
            const PeriodScore s = score(ws, reference, residual.data(), m, d, Tests::all, stop);
            if (s.significant && s.strength >= kFundamentalShare * best_score.strength) {
                chosen = d;
                chosen_strength = s.strength;
                break;
            }
        }
        found.push_back({chosen, chosen_strength});
        ws.fold(residual.data(), m, chosen, stop);
        ws.subtract_pattern(residual.data(), m);
        alive.erase(std::remove(alive.begin(), alive.end(), chosen), alive.end());
    }
    std::stable_sort(found.begin(), found.end(), [](const DetectedPeriod &a, const DetectedPeriod &b) {
        return a.strength != b.strength ? a.strength > b.strength : a.period < b.period;
    });
    return found;
}

}  // namespace anomaly
