#include "core/loess.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace anomaly::loess {

double TricubeTable::weight(int r, int h) {
    const double hh = h;
    // pow, not q·q·q: the reference's rounding (robust fits amplify it).
    return r <= 0.001 * hh ? 1.0 : r <= 0.999 * hh ? std::pow(1.0 - std::pow(r / hh, 3), 3) : 0.0;
}

const double *TricubeTable::row(int h) {
    if (h > kMaxKeptBandwidth) {
        if (h != wide_h_) {
            wide_.resize(static_cast<std::size_t>(h) + 1);
            for (int r = 0; r <= h; ++r) wide_[static_cast<std::size_t>(r)] = weight(r, h);
            wide_h_ = h;
        }
        return wide_.data();
    }
    if (static_cast<std::size_t>(h) >= rows_.size()) rows_.resize(static_cast<std::size_t>(h) + 1);
    std::vector<double> &row = rows_[static_cast<std::size_t>(h)];
    if (row.empty()) {
        row.resize(static_cast<std::size_t>(h) + 1);
        for (int r = 0; r <= h; ++r) row[static_cast<std::size_t>(r)] = weight(r, h);
    }
    return row.data();
}

bool local_weights(int n, int len, int degree, int xs, int nleft, int nright, double *work, const double *rw,
                   TricubeTable &kernel) {
    const double range = n - 1.0;
    int h = std::max(xs - nleft, nright - xs);
    if (len > n) h += (len - n) / 2;
    // Every distance is <= h; those beyond 0.999·h have weight 0 in the table
    // (the reference skips them; adding a zero weight changes no sum). A span
    // far beyond the series (h much larger than the neighbourhood) is
    // computed directly rather than tabulated.
    const bool direct = h > 4 * (nright - nleft + 1) + 64;
    const double *k = direct ? nullptr : kernel.row(h);
    double total = 0.0;
    for (int j = nleft - 1; j < nright; ++j) {
        const int r = std::abs(j + 1 - xs);
        double w = direct ? TricubeTable::weight(r, h) : k[r];
        if (rw != nullptr) w *= rw[j];
        work[j] = w;
        total += w;
    }
    if (total <= 0.0) return false;
    double mean = 0.0;
    for (int j = nleft - 1; j < nright; ++j) {
        work[j] /= total;
        mean += work[j] * (j + 1);
    }
    if (h > 0 && degree > 0) {
        // Local linear fit: tilt the weights through the weighted mean position.
        double b = xs - mean;
        double c = 0.0;
        for (int j = nleft - 1; j < nright; ++j) c += work[j] * ((j + 1 - mean) * (j + 1 - mean));
        if (std::sqrt(c) > 0.001 * range) {
            b /= c;
            for (int j = nleft - 1; j < nright; ++j) work[j] *= b * (j + 1 - mean) + 1.0;
        }
    }
    return true;
}

double estimate(const double *y, int n, int len, int degree, int xs, int nleft, int nright, double *work,
                const double *rw, TricubeTable &kernel) {
    if (!local_weights(n, len, degree, xs, nleft, nright, work, rw, kernel))
        return std::numeric_limits<double>::quiet_NaN();
    double fit = 0.0;
    for (int j = nleft - 1; j < nright; ++j) fit += work[j] * y[j];
    return fit;
}

void smooth(const double *y, int n, int len, int degree, int jump, const double *rw, double *ys, double *work,
            TricubeTable &kernel, StopToken *stop) {
    smooth_with(y, n, len, jump, ys, [&](int i, int nleft, int nright) {
        if (stop != nullptr) stop->poll();
        return estimate(y, n, len, degree, i + 1, nleft, nright, work, rw, kernel);
    });
}

SmoothPlan::SmoothPlan(int n, int len, int degree, int jump, TricubeTable &kernel) : n_(n), len_(len), jump_(jump) {
    std::vector<double> work(static_cast<std::size_t>(std::max(n, 1)));
    std::vector<double> ys(static_cast<std::size_t>(std::max(n, 1)));
    std::vector<double> y(static_cast<std::size_t>(std::max(n, 1)), 0.0);
    fits_.reserve(static_cast<std::size_t>(n) + 1);
    weights_.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(std::min(len, n)));
    smooth_with(y.data(), n, len, jump, ys.data(), [&](int i, int nleft, int nright) {
        Fit f{nleft - 1, 0, weights_.size()};
        if (local_weights(n, len, degree, i + 1, nleft, nright, work.data(), nullptr, kernel)) {
            f.count = nright - nleft + 1;
            weights_.insert(weights_.end(), work.begin() + (nleft - 1), work.begin() + nright);
        }
        fits_.push_back(f);
        return 0.0;
    });
}

void SmoothPlan::apply(const double *y, double *ys) const {
    std::size_t next = 0;
    smooth_with(y, n_, len_, jump_, ys, [&](int i, int, int) {
        const Fit &f = fits_[next++];
        if (f.count == 0) return std::numeric_limits<double>::quiet_NaN();
        const double *w = weights_.data() + f.offset;
        const double *x = y + f.first;
        double fit = 0.0;
        for (int j = 0; j < f.count; ++j) fit += w[j] * x[j];
        (void)i;
        return fit;
    });
}

}  // namespace anomaly::loess
