#include "core/fft.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace anomaly {

std::size_t next_power_of_two(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

void fft(std::vector<std::complex<double>> &data, bool inverse) {
    const std::size_t n = data.size();
    if (n == 0 || (n & (n - 1)) != 0) throw std::invalid_argument("fft: length must be a power of two");
    // Bit-reversal permutation.
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(data[i], data[j]);
    }
    // Butterflies. Twiddle factors exp(∓2πik/n) for k < n/2, from std::polar
    // (not a running product, so rounding does not accumulate); a stage of
    // length len uses every (n/len)-th. Products are written out in real
    // arithmetic: std::complex's operator* checks for NaN/∞ (__muldc3) and
    // was most of the time.
    const double sign = inverse ? 1.0 : -1.0;
    const std::size_t half_n = n / 2;
    std::vector<double> tw_re(half_n), tw_im(half_n);
    for (std::size_t k = 0; k < half_n; ++k) {
        const std::complex<double> w = std::polar(1.0, sign * 2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n));
        tw_re[k] = w.real();
        tw_im[k] = w.imag();
    }
    double *d = reinterpret_cast<double *>(data.data());  // re, im interleaved (guaranteed layout)
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const std::size_t half = len / 2, stride = n / len;
        for (std::size_t start = 0; start < n; start += len)
            for (std::size_t k = 0; k < half; ++k) {
                const std::size_t a = 2 * (start + k), b = 2 * (start + k + half);
                const double wr = tw_re[k * stride], wi = tw_im[k * stride];
                const double vr = d[b] * wr - d[b + 1] * wi, vi = d[b] * wi + d[b + 1] * wr;
                const double ur = d[a], ui = d[a + 1];
                d[a] = ur + vr;
                d[a + 1] = ui + vi;
                d[b] = ur - vr;
                d[b + 1] = ui - vi;
            }
    }
    if (inverse)
        for (auto &z : data) z /= static_cast<double>(n);
}

std::vector<double> autocorrelation(const double *x, std::size_t n, std::size_t max_lag) {
    if (n == 0 || max_lag >= n) throw std::invalid_argument("autocorrelation: need max_lag < n");
    double mean = 0.0;
    for (std::size_t i = 0; i < n; ++i) mean += x[i];
    mean /= static_cast<double>(n);
    // Padding to ≥ 2n makes the circular correlation equal the linear one.
    std::vector<std::complex<double>> buf(next_power_of_two(2 * n));
    for (std::size_t i = 0; i < n; ++i) buf[i] = x[i] - mean;
    fft(buf, false);
    for (auto &z : buf) z = std::norm(z);
    fft(buf, true);
    std::vector<double> acf(max_lag + 1);
    const double c0 = buf[0].real();
    acf[0] = 1.0;
    for (std::size_t k = 1; k <= max_lag; ++k)
        acf[k] = c0 > 0.0 ? buf[k].real() / c0 : std::numeric_limits<double>::quiet_NaN();
    return acf;
}

}  // namespace anomaly
