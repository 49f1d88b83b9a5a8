#include "core/loess.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace anomaly::loess {

double estimate(const double *y, int n, int len, int degree, int xs, int nleft, int nright, double *work,
                const double *rw) {
    const double range = n - 1.0;
    double h = std::max(xs - nleft, nright - xs);
    if (len > n) h += std::floor((len - n) / 2.0);
    const double h9 = 0.999 * h;
    const double h1 = 0.001 * h;
    double total = 0.0;
    for (int j = nleft - 1; j < nright; ++j) {
        work[j] = 0.0;
        const double r = std::fabs(static_cast<double>(j + 1 - xs));
        if (r <= h9) {
            if (r <= h1) {
                work[j] = 1.0;
            } else {
                // pow, not q·q·q: the reference's rounding (robust fits amplify it).
                work[j] = std::pow(1.0 - std::pow(r / h, 3), 3);
            }
            if (rw != nullptr) work[j] *= rw[j];
            total += work[j];
        }
    }
    if (total <= 0.0) return std::numeric_limits<double>::quiet_NaN();
    for (int j = nleft - 1; j < nright; ++j) work[j] /= total;
    if (h > 0.0 && degree > 0) {
        // Local linear fit: tilt the weights through the weighted mean position.
        double mean = 0.0;
        for (int j = nleft - 1; j < nright; ++j) mean += work[j] * (j + 1);
        double b = xs - mean;
        double c = 0.0;
        for (int j = nleft - 1; j < nright; ++j) c += work[j] * std::pow(j + 1 - mean, 2);
        if (std::sqrt(c) > 0.001 * range) {
            b /= c;
            for (int j = nleft - 1; j < nright; ++j) work[j] *= b * (j + 1 - mean) + 1.0;
        }
    }
    double fit = 0.0;
    for (int j = nleft - 1; j < nright; ++j) fit += work[j] * y[j];
    return fit;
}

namespace {

// The fit at position i + 1, falling back to the data when it has no weight.
inline void fit_at(const double *y, int n, int len, int degree, int i, int nleft, int nright, double *work,
                   const double *rw, double *ys) {
    ys[i] = estimate(y, n, len, degree, i + 1, nleft, nright, work, rw);
    if (std::isnan(ys[i])) ys[i] = y[i];
}

}  // namespace

void smooth(const double *y, int n, int len, int degree, int jump, const double *rw, double *ys, double *work) {
    if (n < 2) {
        if (n == 1) ys[0] = y[0];
        return;
    }
    const int step = std::min(jump, n - 1);
    int nleft = 1;
    int nright = n;
    if (len >= n) {
        for (int i = 0; i < n; i += step) fit_at(y, n, len, degree, i, nleft, nright, work, rw, ys);
    } else if (step == 1) {
        const int half = (len + 2) / 2;
        nright = len;
        for (int i = 0; i < n; ++i) {
            if (i + 1 > half && nright != n) {
                ++nleft;
                ++nright;
            }
            fit_at(y, n, len, degree, i, nleft, nright, work, rw, ys);
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
            fit_at(y, n, len, degree, i, nleft, nright, work, rw, ys);
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
        fit_at(y, n, len, degree, n - 1, nleft, nright, work, rw, ys);
        if (k != n - 1) {
            const double delta = (ys[n - 1] - ys[k - 1]) / (n - k);
            for (int j = k; j < n; ++j) ys[j] = ys[k - 1] + delta * (j + 1 - k);
        }
    }
}

}  // namespace anomaly::loess
