// The upper tail of Snedecor's F distribution, through the regularized
// incomplete beta function: the p-value of the period detector's F test.
#pragma once

#include "core/no_postgres.hpp"

namespace anomaly {

// I_x(a, b) = B(x; a, b) / B(a, b) for a, b > 0 and 0 ≤ x ≤ 1 (continued
// fraction of Numerical Recipes §6.4 / DLMF 8.17.22, evaluated with the
// modified Lentz method; relative accuracy about 1e-13).
double regularized_incomplete_beta(double x, double a, double b);

// P(F > f) for F ~ F(d1, d2), d1, d2 > 0 (real-valued degrees of freedom
// allowed): I_{d2/(d2 + d1·f)}(d2/2, d1/2). 1 for f ≤ 0.
double f_distribution_sf(double f, double d1, double d2);

}  // namespace anomaly
