// LOESS smoothing of an evenly spaced series, as STL (Cleveland et al. 1990)
// uses it: tricube neighbourhood weights, optional robustness weights, local
// degree 0 or 1, and an optional "jump" (fit every jump-th point, linear
// interpolation in between). Positions are 1-based, as in the NETLIB
// Fortran that statsmodels' STL follows, and the arithmetic is the same
// operation for operation (robust STL amplifies rounding differences).
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace anomaly::loess {

// Tricube weights (1 − (r/h)³)³ for integer distances r = 0..h, with the
// reference's cut-offs (1 within 0.001·h, 0 beyond 0.999·h), computed once
// per bandwidth h and reused: the smoothers evaluate them millions of times.
class TricubeTable {
public:
    const double *row(int h);
    static double weight(int r, int h);

private:
    // Rows up to this bandwidth are kept (at most ~4 MB in total); a wider
    // row is kept until another wide one is asked for (the interior of a
    // smooth asks for one bandwidth over and over).
    static constexpr int kMaxKeptBandwidth = 1024;
    std::vector<std::vector<double>> rows_;
    std::vector<double> wide_;
    int wide_h_ = -1;
};

// The weights of the local fit at position xs (1-based, may lie outside 1..n)
// from the points nleft..nright (1-based, inclusive) of a series of n points,
// written to work[nleft-1 .. nright-1]; `len` is the smoother's span; rw:
// robustness weights, or nullptr. False when every weight is 0 (no fit).
bool local_weights(int n, int len, int degree, int xs, int nleft, int nright, double *work, const double *rw,
                   TricubeTable &kernel);

// The local fit itself (NaN when there is none). work: scratch of n values.
double estimate(const double *y, int n, int len, int degree, int xs, int nleft, int nright, double *work,
                const double *rw, TricubeTable &kernel);

// ys[i] = the LOESS smooth of y at every position 1..n (span len, fitted every
// `jump` points and interpolated linearly in between). Where a local fit has no
// weight, ys[i] = y[i]. work: scratch of n values.
// stop (may be null) is polled once per fitted point.
void smooth(const double *y, int n, int len, int degree, int jump, const double *rw, double *ys, double *work,
            TricubeTable &kernel, StopToken *stop);

// smooth() without robustness weights, with every local fit's weights
// computed once: applying the plan is one dot product per fitted point, and
// gives the same numbers as smooth().
class SmoothPlan {
public:
    SmoothPlan(int n, int len, int degree, int jump, TricubeTable &kernel);
    void apply(const double *y, double *ys) const;
    std::size_t weight_count() const { return weights_.size(); }

private:
    struct Fit {
        int first;           // 0-based index of the first point
        int count;           // 0: no fit
        std::size_t offset;  // into weights_
    };
    int n_, len_, jump_;
    std::vector<Fit> fits_;
    std::vector<double> weights_;
};

// The control flow of smooth(): which points are fitted from which
// neighbourhoods, and the interpolation between jumps. fit(i, nleft, nright)
// returns the local fit at position i + 1, or NaN for none (then ys[i] = y[i]).
template <typename Fit>
void smooth_with(const double *y, int n, int len, int jump, double *ys, Fit &&fit) {
    if (n < 2) {
        if (n == 1) ys[0] = y[0];
        return;
    }
    auto fit_at = [&](int i, int nleft, int nright) {
        ys[i] = fit(i, nleft, nright);
        if (std::isnan(ys[i])) ys[i] = y[i];
    };
    const int step = std::min(jump, n - 1);
    int nleft = 1;
    int nright = n;
    if (len >= n) {
        for (int i = 0; i < n; i += step) fit_at(i, nleft, nright);
    } else if (step == 1) {
        const int half = (len + 2) / 2;
        nright = len;
        for (int i = 0; i < n; ++i) {
            if (i + 1 > half && nright != n) {
                ++nleft;
                ++nright;
            }
            fit_at(i, nleft, nright);
        }
    } else {
        const int half = (len + 1) / 2;
        for (int i = 0; i < n; i += step) {
            if (i + 1 < half) {
                nleft = 1;
                nright = len;
            } else if (i + 1 >= n - half + 1) {
                nleft = n - len + 1;
                nright = n;
            } else {
                nleft = i + 1 - half + 1;
                nright = len + i + 1 - half;
            }
            fit_at(i, nleft, nright);
        }
    }
    if (step == 1) return;
    for (int i = 0; i < n - step; i += step) {
        const double delta = (ys[i + step] - ys[i]) / step;
        for (int j = i; j < i + step; ++j) ys[j] = ys[i] + delta * (j - i);
    }
    // The last point, when the jumps do not land on it; the window of the last
    // fitted point is kept, as in the reference.
    const int k = ((n - 1) / step) * step + 1;
    if (k != n) {
        fit_at(n - 1, nleft, nright);
        if (k != n - 1) {
            const double delta = (ys[n - 1] - ys[k - 1]) / (n - k);
            for (int j = k; j < n; ++j) ys[j] = ys[k - 1] + delta * (j + 1 - k);
        }
    }
}

}  // namespace anomaly::loess
