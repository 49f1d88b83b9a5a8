// Missing values in a series handed to STL/MSTL: NaN (SQL NULL or NaN) points
// are filled by linear interpolation between the nearest finite neighbours;
// before the first / after the last finite value, the nearest finite value
// is repeated. ±Infinity is not missing: it is a data error.
#pragma once

#include "core/no_postgres.hpp"

#include <cstddef>

namespace anomaly {

// Values beyond this magnitude would overflow the decomposition's sums.
constexpr double kMaxStlMagnitude = 1e150;

// Throws DataError unless every y[i] is finite and |y[i]| <= kMaxStlMagnitude
// (naming the 1-based element and `what`, e.g. "STL").
void require_stl_range(const double *y, std::size_t n, const char *what);

// Fills the NaN elements of y[0..n-1] in place and returns how many elements
// were finite. Throws DataError for ±Infinity (naming the 1-based element) and
// when n > 0 but no element is finite.
std::size_t fill_missing_linear(double *y, std::size_t n);

}  // namespace anomaly
