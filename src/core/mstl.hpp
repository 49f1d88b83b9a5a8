// MSTL (Bandura, Hyndman and Bergmeir 2021): STL with several seasonal
// periods, following statsmodels' MSTL (0.14): periods sorted ascending (with
// their windows), periods >= n/2 dropped, default windows 7 + 4·i (i = 1, 2,
// ...), no Box-Cox transform, `iterate` passes (1 when a single period is
// left), each seasonal re-estimated by STL on the series minus the others.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"
#include "core/stl.hpp"

#include <cstddef>
#include <vector>

namespace anomaly {

// More seasonal periods than this is a mistake, not a model.
constexpr std::size_t kMaxMstlPeriods = 16;

struct MstlParams {
    std::vector<int> periods;   // each >= 2, distinct; 1 to kMaxMstlPeriods of them
    std::vector<int> windows;   // seasonal spans per period; empty = 7 + 4·i
    int iterate = 2;            // >= 1
    // The other STL settings, shared by every period (period and seasonal are
    // ignored: they come from periods and windows).
    StlParams stl;
};

struct MstlComponents {
    std::vector<int> periods;                  // the periods kept, ascending
    std::vector<int> windows;                  // their seasonal spans
    std::vector<double> trend;                 // from the last STL
    std::vector<std::vector<double>> seasonal; // one per kept period
    std::vector<double> resid, weights;        // weights of the last STL
};

// Throws InvalidParameter for bad parameters, or when no period is shorter
// than n/2; DataError for a non-finite value.
MstlComponents mstl_decompose(const double *y, std::size_t n, const MstlParams &params, StopToken &stop);

}  // namespace anomaly
