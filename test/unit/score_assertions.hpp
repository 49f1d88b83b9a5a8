// Comparing scores: NaN means "no score" and must match NaN; ±∞ must match
// exactly; finite scores within a relative tolerance.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace anomaly::testing {

inline ::testing::AssertionResult same_score(double got, double want, double rel_tol) {
    if (std::isnan(want) || std::isnan(got)) {
        if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
    } else if (std::isinf(want) || std::isinf(got)) {
        if (got == want) return ::testing::AssertionSuccess();
    } else if (std::fabs(got - want) <= rel_tol * std::max(1.0, std::fabs(want))) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

}  // namespace anomaly::testing
