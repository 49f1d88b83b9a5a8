#include "core/period_candidates.hpp"

#include "core/fft.hpp"
#include "core/period_score.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>

namespace anomaly {

namespace {

// Periodogram peaks kept as candidates, and the half-width (in bins) of the
// neighbourhood whose median power is a peak's background.
constexpr std::size_t kSpectralPeaks = 32;
constexpr std::size_t kBackgroundHalfWidth = 16;
// A peak's background is at least this share of the total power.
constexpr double kBackgroundFloor = 1e-9;
// ACF hill tops kept per periodogram peak.
constexpr std::size_t kHillsPerPeak = 3;

}  // namespace

std::vector<int> period_candidates(const std::vector<double> &x, int min_p, int max_p, StopToken &stop) {
    const std::size_t m = x.size();
    // Detrend by the least-squares line.
    double a, b;
    least_squares_line(x.data(), m, a, b);
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
    std::vector<std::complex<double>>().swap(buf);  // free it before the ACF's own FFT buffer

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


}  // namespace anomaly
