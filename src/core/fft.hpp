// A radix-2 fast Fourier transform and the sample autocorrelation built on it.
#pragma once

#include "core/no_postgres.hpp"

#include <complex>
#include <cstddef>
#include <vector>

namespace anomaly {

// The smallest power of two ≥ n (n ≥ 1).
std::size_t next_power_of_two(std::size_t n);

// In-place discrete Fourier transform X_k = Σ_t x_t·exp(∓2πi·kt/N) of a
// sequence whose length N is a power of two (the minus sign forward; inverse
// = plus sign, scaled by 1/N). Throws std::invalid_argument otherwise.
void fft(std::vector<std::complex<double>> &data, bool inverse);

// The sample autocorrelation of x[0..n) at lags 0..max_lag, as
// statsmodels.tsa.stattools.acf(x, nlags=max_lag, adjusted=False) defines it:
//   acf[k] = Σ_{t<n-k} (x_t − x̄)(x_{t+k} − x̄) / Σ_t (x_t − x̄)²,
// computed with one zero-padded FFT pair in O(n log n). x must be finite;
// max_lag < n. A constant series gives acf[0] = 1 and NaN elsewhere.
std::vector<double> autocorrelation(const double *x, std::size_t n, std::size_t max_lag);

}  // namespace anomaly
