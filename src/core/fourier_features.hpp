// Fourier terms of a seasonality, as Prophet builds them: for k = 1..order,
// sin(2πk t/period) and cos(2πk t/period), t in days since 1970-01-01.
#pragma once

#include "core/no_postgres.hpp"

namespace anomaly {

// Writes 2·order values to out: sin(θ), cos(θ), sin(2θ), cos(2θ), … with
// θ = 2π·t_days/period_days. Uses the angle-addition recurrence (two libm calls).
void fourier_terms(double t_days, double period_days, int order, double *out);

}  // namespace anomaly
