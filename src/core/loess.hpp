// LOESS smoothing of an evenly spaced series, as STL (Cleveland et al. 1990)
// uses it: tricube neighbourhood weights, optional robustness weights, local
// degree 0 or 1, and an optional "jump" (fit every jump-th point, linear
// interpolation in between). Positions are 1-based, as in the NETLIB
// Fortran that statsmodels' STL follows, so the arithmetic is the same.
#pragma once

#include "core/no_postgres.hpp"

namespace anomaly::loess {

// The local fit at position xs (1-based, may lie outside 1..n) from the points
// nleft..nright (1-based, inclusive) of y[0..n-1]; `len` is the smoother's span.
// rw: robustness weights of y, or nullptr for none. work: scratch of n values.
// Returns NaN when every neighbourhood weight is 0.
double estimate(const double *y, int n, int len, int degree, int xs, int nleft, int nright, double *work,
                const double *rw);

// ys[i] = the LOESS smooth of y at every position 1..n (span len, fitted every
// `jump` points and interpolated linearly in between). Where a local fit has no
// weight, ys[i] = y[i]. work: scratch of n values.
void smooth(const double *y, int n, int len, int degree, int jump, const double *rw, double *ys, double *work);

}  // namespace anomaly::loess
