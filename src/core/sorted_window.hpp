// A sliding window of the last `capacity` values, kept both in arrival order
// and sorted, so that the robust statistics of every step of a rolling
// detector (median, MAD, quantiles) are read off instead of selected again
// from a copy of the window at every row.
//
// Bit for bit the same as the straightforward computation: location() equals
// robust_location() of the window in arrival order, sorted() equals std::sort
// of it. Order statistics are values of the window, and the deviations
// m − x (x ≤ m) and x − m (x ≥ m) read from the sorted window are exactly
// the |x − m| robust_location computes (rounding is symmetric). Two values
// compare equal yet differ in bits only as 0 and −0: while the window holds a
// −0, both fall back to the straightforward computation, whose choice between
// the two zeros they then share; so do they while it holds an infinite value
// (whose deviations can be NaN). Values must not be NaN.
#pragma once

#include "core/no_postgres.hpp"
#include "core/robust_statistics.hpp"

#include <cstddef>
#include <deque>
#include <vector>

namespace anomaly {

class SortedWindow {
public:
    explicit SortedWindow(std::size_t capacity);

    // Appends x (not NaN), dropping the oldest value beyond the capacity.
    void push(double x);
    std::size_t size() const { return arrival_.size(); }
    const std::deque<double> &arrival() const { return arrival_; }

    // robust_location(window in arrival order); size() ≥ 1.
    RobustLocation location() const;
    // The window sorted as std::sort would sort it.
    const std::vector<double> &sorted() const;

private:
    std::size_t capacity_;
    std::deque<double> arrival_;
    std::vector<double> sorted_;
    std::size_t irregular_ = 0;  // −0 and ±Infinity in the window
    mutable std::vector<double> scratch_;
};

}  // namespace anomaly
