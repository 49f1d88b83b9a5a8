#include "core/gap_fill.hpp"

#include "core/errors.hpp"
#include "core/forecast_options.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double median_of(std::vector<double> v) {
    const std::size_t m = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
    const double hi = v[m];
    if (v.size() % 2) return hi;
    const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
    return lo / 2.0 + hi / 2.0;
}

std::size_t missing_slots(double gap, double step) {
    if (!(step > 0.0) || !(gap > 0.0)) return 0;
    const double k = std::round(gap / step) - 1.0;
    if (!(k >= 1.0)) return 0;
    const double cap = static_cast<double>(kMaxGapSlots);
    if (k <= cap) return static_cast<std::size_t>(k);
    return kMaxGapSlots + static_cast<std::size_t>(std::fmod(k, cap));
}

}  // namespace

std::vector<std::size_t> rows_in_time_order(const double *ts, std::size_t n) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isnan(ts[i])) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [ts](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
    for (std::size_t k = 1; k < order.size(); ++k)
        if (ts[order[k]] == ts[order[k - 1]])
            throw DataError("two rows have the timestamp " + format_utc_timestamp(ts[order[k]]) +
                            " (aggregate them to one value per time first)");
    return order;
}

double typical_step(const double *ts, std::size_t n) {
    if (n < 2) return kNaN;
    std::vector<double> gaps;
    for (std::size_t i = 1; i < n && gaps.size() < kStepGaps; ++i) gaps.push_back(ts[i] - ts[i - 1]);
    return median_of(gaps);
}

void fill_short_gaps(std::vector<double> &values) {
    const std::size_t n = values.size();
    std::size_t i = 0;
    while (i < n) {
        if (std::isfinite(values[i])) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < n && !std::isfinite(values[end])) ++end;
        const std::size_t run = end - i;
        if (i > 0 && end < n && run <= kMaxInterpolate) {
            const double left = values[i - 1], right = values[end];
            for (std::size_t j = i; j < end; ++j) {
                const double f = static_cast<double>(j - i + 1) / static_cast<double>(run + 1);
                values[j] = run <= kMaxForwardFill ? left : left + (right - left) * f;
            }
        }
        i = end;
    }
}

SlotSeries build_slot_series(const double *ts, const double *values, std::size_t n, double step, StopToken &stop) {
    SlotSeries s;
    s.row_slot.resize(n);
    std::vector<double> gaps;  // the last kStepGaps gaps
    for (std::size_t i = 0; i < n; ++i) {
        stop.poll();
        if (i > 0) {
            const double gap = ts[i] - ts[i - 1];
            double at = step;
            if (!(step > 0.0)) at = gaps.empty() ? gap : median_of(gaps);
            for (std::size_t k = missing_slots(gap, at); k > 0; --k) {
                stop.poll();
                s.values.push_back(kNaN);
                s.kinds.push_back(SlotKind::gap);
            }
            gaps.push_back(gap);
            if (gaps.size() > kStepGaps) gaps.erase(gaps.begin());
        }
        s.row_slot[i] = s.values.size();
        const bool finite = std::isfinite(values[i]);
        s.values.push_back(finite ? values[i] : kNaN);
        s.kinds.push_back(finite ? SlotKind::real : SlotKind::invalid);
    }
    fill_short_gaps(s.values);
    return s;
}

}  // namespace anomaly
