#include "core/stl_residual.hpp"

#include "core/errors.hpp"
#include "core/robust_statistics.hpp"
#include "core/stl.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxHistory = 100000;

StlParams window_stl_params(int period, bool robust, int history) {
    StlParams p;
    p.period = period;
    p.robust = robust;
    return resolve_stl_params(p, static_cast<std::size_t>(history));
}

// Below this, a residual or spread is rounding noise of the window.
double noise_floor(const double *window, std::size_t h) {
    double m = 0.0;
    for (std::size_t i = 0; i < h; ++i) m = std::max(m, std::fabs(window[i]));
    return 1e-10 * m;
}

// The robust fast path: literal fits every `refresh` rows, warm-started
// updates in between (see the header).
class RobustWindow {
public:
    RobustWindow(const StlParams &p, std::size_t h, int refresh) : engine_(p, h), h_(h), refresh_(refresh) {}

    double residual(const double *window, bool literal, StopToken &stop) {
        if (literal || !started_) {
            engine_.fit(window, stop);
            started_ = true;
        } else {
            shift(engine_.trend(), engine_.trend().back());
            shift(engine_.weights(), 1.0);
            const int inner = *engine_.params().inner_iter;
            engine_.pass(window, inner, true, stop);
            engine_.update_weights(window);
            engine_.pass(window, inner, true, stop);
        }
        return window[h_ - 1] - engine_.trend()[h_ - 1] - engine_.seasonal()[h_ - 1];
    }
    int refresh() const { return refresh_; }

private:
    static void shift(std::vector<double> &v, double fill) {
        std::rotate(v.begin(), v.begin() + 1, v.end());
        v.back() = fill;
    }
    StlEngine engine_;
    std::size_t h_;
    int refresh_;
    bool started_ = false;
};

}  // namespace

StlResidualParams resolve_stl_residual_params(const StlResidualParams &params) {
    StlResidualParams p = params;
    if (p.period < 2) throw InvalidParameter("period must be an integer >= 2 (got " + std::to_string(p.period) + ")");
    if (p.period > kMaxHistory / 2)
        throw InvalidParameter("period must be at most " + std::to_string(kMaxHistory / 2));
    if (!p.history) p.history = std::max(8 * p.period, 56);
    if (*p.history < 2 * p.period || *p.history > kMaxHistory)
        throw InvalidParameter("history must be between 2·period (" + std::to_string(2 * p.period) + ") and " +
                               std::to_string(kMaxHistory) + " (got " + std::to_string(*p.history) + ")");
    if (!p.refresh) p.refresh = p.period;
    if (*p.refresh < 1) throw InvalidParameter("refresh must be >= 1");
    return p;
}

std::vector<double> stl_last_residual_weights(int period, int history, StopToken &stop) {
    const std::size_t h = static_cast<std::size_t>(history);
    StlEngine engine(window_stl_params(period, false, history), h);
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
                          const std::vector<double> *weights, double *residuals, StopToken &stop) {
    const StlResidualParams p = resolve_stl_residual_params(params);
    const std::size_t h = static_cast<std::size_t>(*p.history);
    std::fill(residuals, residuals + n, kNaN);
    std::vector<double> series;
    std::vector<std::size_t> row;
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(values[i])) {
            series.push_back(values[i]);
            row.push_back(i);
        }
    if (series.size() < h) return;
    std::vector<double> own;
    if (!p.robust && weights == nullptr) {
        own = stl_last_residual_weights(p.period, *p.history, stop);
        weights = &own;
    }
    std::optional<RobustWindow> robust;
    if (p.robust) robust.emplace(window_stl_params(p.period, true, *p.history), h, *p.refresh);
    for (std::size_t m = h - 1; m < series.size(); ++m) {
        stop.poll();
        const double *window = series.data() + (m + 1 - h);
        double r;
        if (p.robust) {
            r = robust->residual(window, (m + 1 - h) % static_cast<std::size_t>(robust->refresh()) == 0, stop);
        } else {
            r = 0.0;
            for (std::size_t i = 0; i < h; ++i) r += (*weights)[i] * window[i];
        }
        residuals[row[m]] = std::fabs(r) <= noise_floor(window, h) ? 0.0 : r;
    }
}

void stl_residual_scores(const double *values, const double *residuals, std::size_t n,
                         const StlResidualParams &params, double *scores, StopToken &stop) {
    const StlResidualParams p = resolve_stl_residual_params(params);
    const std::size_t h = static_cast<std::size_t>(*p.history);
    const std::size_t min_prev = static_cast<std::size_t>(std::max(7, p.period));
    std::vector<double> prev;     // residuals of earlier rows, oldest first
    std::vector<double> recent;   // their finite values, for the noise floor
    for (std::size_t i = 0; i < n; ++i) {
        stop.poll();
        scores[i] = kNaN;
        if (std::isnan(residuals[i])) continue;
        if (prev.size() >= min_prev) {
            const std::size_t k = std::min(prev.size(), h);
            const RobustLocation loc = robust_location(prev.data() + (prev.size() - k), k);
            const double floor = noise_floor(recent.data() + (recent.size() - std::min(recent.size(), h)),
                                             std::min(recent.size(), h));
            const double r = residuals[i];
            if (loc.mad > floor)
                scores[i] = kMadConsistency * r / loc.mad;
            else if (loc.mean_abs_dev > floor)
                scores[i] = r / (kMeanAbsDeviationConsistency * loc.mean_abs_dev);
            else
                scores[i] = r == 0.0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), r);
        }
        prev.push_back(residuals[i]);
        recent.push_back(values[i]);
        if (prev.size() > 4 * h) {  // keep the buffers bounded
            prev.erase(prev.begin(), prev.end() - static_cast<std::ptrdiff_t>(h));
            recent.erase(recent.begin(), recent.end() - static_cast<std::ptrdiff_t>(h));
        }
    }
}

}  // namespace anomaly
