#include "core/stl_input.hpp"

#include "core/errors.hpp"

#include <cmath>
#include <string>

namespace anomaly {

void require_stl_range(const double *y, std::size_t n, const char *what) {
    for (std::size_t i = 0; i < n; ++i)
        if (!(std::fabs(y[i]) <= kMaxStlMagnitude))
            throw DataError(std::string(what) + " input element " + std::to_string(i + 1) +
                            (std::isfinite(y[i]) ? " is beyond +/-1e150" : " is not finite"));
}

std::size_t fill_missing_linear(double *y, std::size_t n) {
    std::size_t finite = 0;
    std::size_t last = n;  // index of the previous finite value; n = none yet
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isinf(y[i]))
            throw DataError("element " + std::to_string(i + 1) + " is " + (y[i] > 0 ? "Infinity" : "-Infinity") +
                            "; only finite values, NULL or NaN are allowed");
        if (std::isnan(y[i])) continue;
        ++finite;
        if (last == n) {
            for (std::size_t j = 0; j < i; ++j) y[j] = y[i];  // leading gap: first value
        } else if (i > last + 1) {
            const double step = (y[i] - y[last]) / static_cast<double>(i - last);
            for (std::size_t j = last + 1; j < i; ++j) y[j] = y[last] + step * static_cast<double>(j - last);
        }
        last = i;
    }
    if (n > 0 && finite == 0) throw DataError("no value is finite: every element is NULL or NaN");
    for (std::size_t j = last + 1; j < n; ++j) y[j] = y[last];  // trailing gap: last value
    return finite;
}

}  // namespace anomaly
