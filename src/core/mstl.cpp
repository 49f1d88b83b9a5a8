#include "core/mstl.hpp"

#include "core/errors.hpp"
#include "core/stl_input.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace anomaly {

MstlComponents mstl_decompose(const double *y, std::size_t n, const MstlParams &params, StopToken &stop) {
    if (params.periods.empty()) throw InvalidParameter("periods must hold at least one period");
    if (!params.windows.empty() && params.windows.size() != params.periods.size())
        throw InvalidParameter("windows must have as many elements as periods (" +
                               std::to_string(params.windows.size()) + " vs " +
                               std::to_string(params.periods.size()) + ")");
    if (params.iterate < 1) throw InvalidParameter("iterate must be >= 1 (got " + std::to_string(params.iterate) + ")");
    if (params.periods.size() > kMaxMstlPeriods)
        throw InvalidParameter("at most " + std::to_string(kMaxMstlPeriods) + " periods (got " +
                               std::to_string(params.periods.size()) + ")");
    for (int p : params.periods)
        if (p < 2) throw InvalidParameter("every period must be >= 2 (got " + std::to_string(p) + ")");
    for (std::size_t a = 0; a < params.periods.size(); ++a)
        for (std::size_t b = a + 1; b < params.periods.size(); ++b)
            if (params.periods[a] == params.periods[b])
                throw InvalidParameter("periods must be distinct (" + std::to_string(params.periods[a]) +
                                       " appears twice)");
    for (int w : params.windows)
        if (w < 3 || w % 2 == 0)
            throw InvalidParameter("every window must be an odd integer >= 3 (got " + std::to_string(w) + ")");
    require_stl_range(y, n, "MSTL");

    std::vector<std::pair<int, int>> pw;
    for (std::size_t i = 0; i < params.periods.size(); ++i)
        pw.emplace_back(params.periods[i], params.windows.empty() ? 0 : params.windows[i]);
    std::sort(pw.begin(), pw.end());
    MstlComponents out;
    for (std::size_t i = 0; i < pw.size(); ++i) {
        if (2.0 * pw[i].first >= static_cast<double>(n)) break;  // sorted: the rest are longer
        out.periods.push_back(pw[i].first);
        out.windows.push_back(params.windows.empty() ? 7 + 4 * static_cast<int>(i + 1) : pw[i].second);
    }
    if (out.periods.empty())
        throw InvalidParameter("MSTL needs a period shorter than half the series (" + std::to_string(n) +
                               " points, shortest period " + std::to_string(pw.front().first) + ")");

    const std::size_t k = out.periods.size();
    std::vector<StlParams> stl(k, params.stl);
    for (std::size_t i = 0; i < k; ++i) {
        stl[i].period = out.periods[i];
        stl[i].seasonal = out.windows[i];
        stl[i] = resolve_stl_params(stl[i], n);
    }
    const int iterate = k == 1 ? 1 : params.iterate;
    out.seasonal.assign(k, std::vector<double>(n, 0.0));
    std::vector<double> deseason(y, y + n);
    std::vector<StlEngine> engines;
    engines.reserve(k);
    for (std::size_t i = 0; i < k; ++i) engines.emplace_back(stl[i], n);
    for (int it = 0; it < iterate; ++it) {
        for (std::size_t i = 0; i < k; ++i) {
            for (std::size_t t = 0; t < n; ++t) deseason[t] += out.seasonal[i][t];
            engines[i].fit(deseason.data(), stop);
            out.seasonal[i] = engines[i].seasonal();
            for (std::size_t t = 0; t < n; ++t) deseason[t] -= out.seasonal[i][t];
        }
    }
    out.trend = engines[k - 1].trend();
    out.weights = engines[k - 1].weights();
    out.resid.resize(n);
    for (std::size_t t = 0; t < n; ++t) out.resid[t] = deseason[t] - out.trend[t];
    return out;
}

}  // namespace anomaly
