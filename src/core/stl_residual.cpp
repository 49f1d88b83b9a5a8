#include "core/stl_residual.hpp"

#include "core/errors.hpp"
#include "core/robust_statistics.hpp"
#include "core/sorted_window.hpp"
#include "core/stl.hpp"
#include "core/stl_input.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The weight vector costs `history` STL fits of `history` points: O(history²·span).
constexpr int kMaxHistory = 2000;

StlParams window_stl_params(int period, int history) {
    StlParams p;
    p.period = period;
    return resolve_stl_params(p, static_cast<std::size_t>(history));
}

// Below this, a residual or spread is rounding noise of the window.
double noise_floor(const double *window, std::size_t h) {
    double m = 0.0;
    for (std::size_t i = 0; i < h; ++i) m = std::max(m, std::fabs(window[i]));
    return 1e-10 * m;
}

// stl_last_residual_weights of the last kWeightMemoSize (period, history)
// pairs used in this process: the weights depend on nothing else, and callers
// that pass none (ensemble_anomaly's STL layer, once per window partition)
// would otherwise spend `history` STL fits on them every time.
constexpr std::size_t kWeightMemoSize = 8;

struct MemoEntry {
    int period, history;
    std::vector<double> weights;
};

std::vector<double> memoised_weights(int period, int history, StopToken &stop) {
    static std::vector<MemoEntry> memo;
    static std::size_t next = 0;  // the entry replaced next once the memo is full
    for (const MemoEntry &e : memo)
        if (e.period == period && e.history == history) return e.weights;
    std::vector<double> b = stl_last_residual_weights(period, history, stop);
    MemoEntry entry{period, history, b};
    if (memo.size() < kWeightMemoSize) {
        memo.push_back(std::move(entry));
    } else {
        memo[next] = std::move(entry);
        next = (next + 1) % kWeightMemoSize;
    }
    return b;
}

}  // namespace

StlResidualParams resolve_stl_residual_params(const StlResidualParams &params) {
    StlResidualParams p = params;
    if (p.period < 2) throw InvalidParameter("period must be an integer >= 2 (got " + std::to_string(p.period) + ")");
    if (p.period > kMaxHistory / 3)
        throw InvalidParameter("period must be at most " + std::to_string(kMaxHistory / 3));
    if (!p.history) p.history = std::max(8 * p.period, 56);
    // 2 periods would do for STL, but then the window's fit interpolates its
    // last point and every residual is 0.
    if (*p.history < 3 * p.period || *p.history > kMaxHistory)
        throw InvalidParameter("history must be between 3*period (" + std::to_string(3 * p.period) + ") and " +
                               std::to_string(kMaxHistory) + " (got " + std::to_string(*p.history) + ")");
    return p;
}

std::vector<double> stl_last_residual_weights(int period, int history, StopToken &stop) {
    const std::size_t h = static_cast<std::size_t>(history);
    StlEngine engine(window_stl_params(period, history), h);
    std::vector<double> unit(h, 0.0), b(h);
    for (std::size_t i = 0; i < h; ++i) {
        unit[i] = 1.0;
        engine.fit(unit.data(), stop);
        b[i] = unit[h - 1] - engine.trend()[h - 1] - engine.seasonal()[h - 1];
        unit[i] = 0.0;
    }
    return b;
}

void stl_residual_rolling(const double *values, std::size_t n, const StlResidualParams &params,
                          const std::vector<double> *weights, double *residuals, double *scores, StopToken &stop) {
    const StlResidualParams p = resolve_stl_residual_params(params);
    const std::size_t h = static_cast<std::size_t>(*p.history);
    const std::size_t min_prev = static_cast<std::size_t>(std::max(7, p.period));
    std::fill(residuals, residuals + n, kNaN);
    std::fill(scores, scores + n, kNaN);
    std::vector<double> own;
    if (weights == nullptr) {
        own = memoised_weights(p.period, *p.history, stop);
        weights = &own;
    }
    if (weights->size() != h) throw std::invalid_argument("stl_residual_rolling: weights of the wrong length");
    const double *b = weights->data();
    const double b_last = b[h - 1];
    // A window whose last point has (almost) no weight in its own fit (a
    // history of about 2 periods nearly interpolates the data) gives no
    // usable expected values.
    const bool predictable = std::fabs(b_last) > 1e-6;
    const bool clean = p.robust && predictable;
    // The series from the first finite row on (missing rows filled, see the
    // header) and the expected value of every row flagged as an outlier (NaN:
    // not flagged), both trimmed as they grow.
    std::vector<double> series, expected, cleaned(h);
    // The residuals of the last h rows that have one, and how many rows had one.
    SortedWindow prev(h);
    std::size_t residual_count = 0;
    std::size_t base = 0;              // row number (in the series) of series[0]
    std::size_t last_finite = 0;       // row number of the last known value
    double last_value = 0.0;           // and that value
    // The window of h rows starting at `start` (the last one may be a
    // placeholder): robust mode puts each flagged row's expected value in
    // place of the row, unless the row belongs to a run of more than
    // kMaxCleanedRun consecutive flagged rows (a level shift) or the row one
    // period before or after it was flagged too (a change of the seasonal
    // pattern): the decomposition must follow those.
    const std::size_t period = static_cast<std::size_t>(p.period);
    auto flagged = [&](std::size_t q) { return q < expected.size() && !std::isnan(expected[q]); };
    auto window_at = [&](std::size_t start) -> const double * {
        const double *raw = series.data() + start;
        if (!clean) return raw;
        std::size_t k = 0;
        while (k < h) {
            if (!flagged(start + k)) {
                cleaned[k] = raw[k];
                ++k;
                continue;
            }
            std::size_t end = k;
            while (end < h && flagged(start + end)) ++end;
            std::size_t run = end - k;
            for (std::size_t back = start + k; back > 0 && run <= kMaxCleanedRun && flagged(back - 1); --back) ++run;
            for (std::size_t q = k; q < end; ++q) {
                const std::size_t at = start + q;
                const bool phase_repeat = (at >= period && flagged(at - period)) || flagged(at + period);
                cleaned[q] = run <= kMaxCleanedRun && !phase_repeat ? expected[at] : raw[q];
            }
            k = end;
        }
        return cleaned.data();
    };
    for (std::size_t i = 0; i < n; ++i) {
        stop.poll();
        if (series.size() > 4 * h) {  // keep the buffers bounded: windows reach 2·h back at most
            const std::size_t drop = series.size() - 2 * h;
            series.erase(series.begin(), series.begin() + static_cast<std::ptrdiff_t>(drop));
            expected.erase(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(drop));
            base += drop;
        }
        const double v = values[i];
        const std::size_t row = base + series.size();
        if (!(std::fabs(v) <= kMaxStlMagnitude)) {  // NaN, ±Infinity, beyond ±1e150: missing
            if (series.empty() && base == 0) continue;  // leading missing rows: not in the series
            // Once a full window ends here and the rows before are known, the
            // missing row takes its expected value (the value with a zero
            // residual); before that it is interpolated when the next finite
            // row arrives.
            series.push_back(kNaN);
            expected.push_back(kNaN);
            if (series.size() >= h && last_finite + 1 == row && predictable) {
                const double *window = window_at(series.size() - h);
                double partial = 0.0;
                for (std::size_t k = 0; k + 1 < h; ++k) partial += b[k] * window[k];
                series.back() = -partial / b_last;
                last_finite = row;
                last_value = series.back();
            }
            continue;
        }
        series.push_back(v);
        expected.push_back(kNaN);
        if (row > last_finite + 1 && !(series.size() == 1 && base == 0)) {
            const double step = (v - last_value) / static_cast<double>(row - last_finite);
            for (std::size_t k = std::max(last_finite + 1, base); k < row; ++k)
                series[k - base] = last_value + step * static_cast<double>(k - last_finite);
        }
        last_finite = row;
        last_value = v;
        if (series.size() < h) continue;
        const double *window = window_at(series.size() - h);
        double r = 0.0;
        for (std::size_t k = 0; k < h; ++k) r += b[k] * window[k];
        if (!std::isfinite(r)) continue;  // cannot happen below 1e150; never let NaN reach the median
        const double floor = noise_floor(window, h);
        if (std::fabs(r) <= floor) r = 0.0;
        residuals[i] = r;
        if (residual_count >= min_prev) {
            const RobustLocation loc = prev.location();
            double z;
            if (loc.mad > floor)
                z = kMadConsistency * r / loc.mad;
            else if (loc.mean_abs_dev > floor)
                z = r / (kMeanAbsDeviationConsistency * loc.mean_abs_dev);
            else
                z = r == 0.0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), r);
            scores[i] = z;
            if (clean && std::fabs(z) > kStlResidualOutlier) expected.back() = v - r / b_last;
        }
        prev.push(r);
        ++residual_count;
    }
}

}  // namespace anomaly
