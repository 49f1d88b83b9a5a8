// The rolling window of absolute one-step-ahead errors behind the conformal
// intervals of the seasonal forecast (seasonal_forecast.hpp): the last
// `capacity` errors and their order statistics.
#pragma once

#include "core/forecast_options.hpp"
#include "core/no_postgres.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace anomaly {

// Rolling absolute one-step errors and their conformal quantile: the
// ⌈(count + 1)·width⌉-th smallest of the last count ≤ capacity |errors|. The
// window is also kept sorted (one insertion and one removal per error), so
// that a quantile, asked twice per row, is a lookup instead of a selection
// over the window: the same order statistic, so the same value. A NaN error
// (never expected: errors are of finite values against finite forecasts)
// switches back to selecting from the window, as std::nth_element would.
class ErrorWindow {
public:
    explicit ErrorWindow(std::size_t capacity) : buf_(capacity) { sorted_.reserve(capacity); }
    void push(double e) {
        const double a = std::fabs(e);
        if (std::isnan(a)) has_nan_ = true;
        if (!has_nan_) {
            if (count_ == buf_.size()) sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), buf_[next_]));
            sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), a), a);
        }
        buf_[next_] = a;
        next_ = (next_ + 1) % buf_.size();
        count_ = std::min(count_ + 1, buf_.size());
    }
    // NaN while fewer than kMinIntervalErrors (forecast_options.hpp) errors are known.
    double half_width(double width) {
        if (count_ < static_cast<std::size_t>(kMinIntervalErrors)) return std::numeric_limits<double>::quiet_NaN();
        std::size_t rank = static_cast<std::size_t>(std::ceil(width * static_cast<double>(count_ + 1)));
        rank = std::min(std::max<std::size_t>(rank, 1), count_);
        if (!has_nan_) return sorted_[rank - 1];
        scratch_.assign(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(count_));
        std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(rank - 1), scratch_.end());
        return scratch_[rank - 1];
    }

private:
    std::vector<double> buf_, scratch_, sorted_;
    std::size_t next_ = 0, count_ = 0;
    bool has_nan_ = false;
};

}  // namespace anomaly
