#include "core/sorted_window.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace anomaly {

namespace {

// −0 and ±Infinity: values the straightforward computation handles its own way.
bool irregular(double x) { return (x == 0.0 && std::signbit(x)) || std::isinf(x); }

}  // namespace

SortedWindow::SortedWindow(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("SortedWindow: capacity must be positive");
    sorted_.reserve(capacity + 1);
}

void SortedWindow::push(double x) {
    arrival_.push_back(x);
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), x), x);
    irregular_ += irregular(x);
    if (arrival_.size() <= capacity_) return;
    const double old = arrival_.front();
    arrival_.pop_front();
    irregular_ -= irregular(old);
    // The value itself, sign of zero included.
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), old);
    while (std::signbit(*it) != std::signbit(old)) ++it;
    sorted_.erase(it);
}

RobustLocation SortedWindow::location() const {
    const std::size_t n = arrival_.size();
    if (n == 0) throw std::invalid_argument("robust_location: empty sample");
    if (irregular_ > 0) {
        scratch_.assign(arrival_.begin(), arrival_.end());
        return robust_location(scratch_.data(), n);
    }
    const std::vector<double> &s = sorted_;
    const std::size_t h = n / 2;
    RobustLocation loc{};
    loc.median = n % 2 == 1 ? s[h] : midpoint(s[h - 1], s[h]);
    const double m = loc.median;
    // The deviations in increasing order: from the first value ≥ m
    // rightwards (x − m) and from the one before it leftwards (m − x),
    // merged; the MAD is their middle (or the midpoint of the two middle ones).
    std::size_t left = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), m) - s.begin());
    std::size_t right = left;
    double previous = 0.0, current = 0.0;
    for (std::size_t k = 0; k <= h; ++k) {
        previous = current;
        if (right < n && (left == 0 || s[right] - m <= m - s[left - 1])) current = s[right++] - m;
        else current = m - s[--left];
    }
    loc.mad = n % 2 == 1 ? current : midpoint(previous, current);
    double sum = 0.0;
    for (double x : arrival_) sum += std::fabs(x - m);
    loc.mean_abs_dev = sum / static_cast<double>(n);
    return loc;
}

const std::vector<double> &SortedWindow::sorted() const {
    if (irregular_ == 0) return sorted_;
    scratch_.assign(arrival_.begin(), arrival_.end());
    std::sort(scratch_.begin(), scratch_.end());
    return scratch_;
}

}  // namespace anomaly
