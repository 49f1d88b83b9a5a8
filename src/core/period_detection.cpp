#include "core/period_detection.hpp"

#include "core/errors.hpp"
#include "core/period_candidates.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

namespace anomaly {

namespace {

// A divisor d replaces the round's best period q when it has this share of
// q's strength on d's time scale, and at least kDivisorFloor of q's own.
constexpr double kFundamentalShare = 0.7;
constexpr double kDivisorFloor = 0.25;
// A round's best period snaps to a multiple of a found period this close
// (2 lags, or 0.5% of the period if more) when the multiple has this share
// of its strength.
constexpr int kNestedSnap = 2;
constexpr int kNestedSnapFraction = 200;
constexpr double kNestedShare = 0.9;
// Steps of the final climb of a round's best period to a stronger neighbour.
constexpr int kMaxClimb = 8;

}  // namespace

void validate(const PeriodDetectionParams &params) {
    if (params.min_period < 2)
        throw InvalidParameter("min_period must be at least 2, got " + std::to_string(params.min_period));
    if (params.max_period && *params.max_period < params.min_period)
        throw InvalidParameter("max_period must be at least min_period (" + std::to_string(params.min_period) +
                               "), got " + std::to_string(*params.max_period));
}

std::vector<double> fill_missing(const double *values, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (std::isinf(values[i]))
            throw DataError("values must not contain Infinity (element " + std::to_string(i + 1) + " is " +
                            (values[i] > 0 ? "Infinity" : "-Infinity") + ")");
    std::size_t first = 0;
    while (first < n && std::isnan(values[first])) ++first;
    if (first == n) return {};
    std::size_t last = n - 1;
    while (std::isnan(values[last])) --last;
    std::vector<double> out(values + first, values + last + 1);
    std::size_t prev = 0;  // index of the last finite value seen
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (std::isnan(out[i])) continue;
        const std::size_t gap = i - prev;
        for (std::size_t k = 1; k < gap; ++k)
            out[prev + k] = out[prev] + (out[i] - out[prev]) * static_cast<double>(k) / static_cast<double>(gap);
        prev = i;
    }
    return out;
}

std::vector<DetectedPeriod> detect_periods(const double *values, std::size_t n, const PeriodDetectionParams &params,
                                           StopToken &stop) {
    validate(params);
    std::vector<double> x = fill_missing(values, n);
    const std::size_t m = x.size();
    // A period needs two cycles: max_period is at most m/2.
    const std::size_t half = m / 2;
    const int min_p = params.min_period;
    if (half < static_cast<std::size_t>(min_p)) return {};
    const int max_p = params.max_period && static_cast<std::size_t>(*params.max_period) < half
                          ? *params.max_period
                          : static_cast<int>(std::min<std::size_t>(half, std::numeric_limits<int>::max()));

    // Scale to max |x| = 1, then centre on the mean: every result is
    // invariant under a·x + b, and this way sums of squares neither overflow
    // (values near 1e300) nor underflow (near 1e-300), and the running sums
    // of the moving averages stay small.
    double largest = 0.0;
    for (double v : x) largest = std::max(largest, std::fabs(v));
    if (largest == 0.0) return {};
    double mean = 0.0;
    for (double &v : x) {
        v /= largest;
        mean += v;
    }
    mean /= static_cast<double>(m);
    for (double &v : x) v -= mean;

    std::vector<int> alive = period_candidates(x, min_p, max_p, stop);
    std::vector<double> residual = x;
    PeriodScorer scorer(m);
    std::vector<DetectedPeriod> found;
    // A period that divides one already found adds nothing new: its pattern
    // is part of the found one's (what shows is leftover of a pattern that
    // changes over time). Multiples can add: 168 after 24.
    auto divides_found = [&](int p) {
        return std::any_of(found.begin(), found.end(), [p](const DetectedPeriod &d) { return d.period % p == 0; });
    };
    while (!alive.empty() && found.size() < kMaxDetectedPeriods) {
        const double *reference = found.empty() ? residual.data() : x.data();
        // Screen the surviving candidates with the cheap test; the ones that
        // fail are dropped for good. Then the strongest that passes every
        // test wins the round (most rounds check one or two).
        std::vector<std::pair<int, double>> passed;  // period, strength
        for (int p : alive) {
            if (divides_found(p)) continue;
            const PeriodScore s = scorer.score(reference, residual.data(), p, PeriodTests::screen, stop);
            if (s.significant) passed.push_back({p, s.strength});
        }
        std::sort(passed.begin(), passed.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        alive.clear();
        int best = 0;
        PeriodScore best_score{};
        for (const auto &c : passed) {
            if (best == 0) {
                const PeriodScore s = scorer.score(reference, residual.data(), c.first, PeriodTests::all, stop);
                if (!s.significant) continue;
                best = c.first;
                best_score = s;
            }
            alive.push_back(c.first);
        }
        std::sort(alive.begin(), alive.end());
        if (best == 0) break;
        // Climb to the strongest neighbouring period: candidates come from
        // noisy ACF hills and may sit a lag or two off the top (167 for 168).
        for (int step = 0; step < kMaxClimb; ++step) {
            int next_best = best;
            PeriodScore next_score = best_score;
            for (int q : {best - 1, best + 1}) {
                if (q < min_p || q > max_p || divides_found(q)) continue;
                const PeriodScore s = scorer.score(reference, residual.data(), q, PeriodTests::all, stop);
                if (s.significant && s.strength > next_score.strength) next_best = q, next_score = s;
            }
            if (next_best == best) break;
            best = next_best;
            best_score = next_score;
        }
        // Nested calendars: a period within two lags (or 0.5%) of a multiple
        // of a found period (167 or 169 after 24) is taken as that multiple
        // (168) when the multiple is nearly as strong: noise moves the top
        // that much.
        for (const DetectedPeriod &f : found) {
            const int multiple = static_cast<int>(std::lround(static_cast<double>(best) / f.period)) * f.period;
            const int snap = std::max(kNestedSnap, best / kNestedSnapFraction);
            if (multiple == best || std::abs(multiple - best) > snap || multiple < min_p || multiple > max_p) continue;
            const PeriodScore s = scorer.score(reference, residual.data(), multiple, PeriodTests::all, stop);
            if (s.significant && s.strength >= kNestedShare * best_score.strength) {
                best = multiple;
                best_score = s;
                break;
            }
        }
        // Prefer the smallest divisor d that is nearly as strong as the best
        // period q when both are measured on d's time scale (trend = the
        // moving average over d): 7 rather than 14 (the same pattern), 24
        // rather than 168, and 7 rather than 364 when 364's extra strength
        // is a yearly cycle (trend on the weekly scale). q can then come in a
        // later round with what it adds; the other way round, d could not.
        // d must also have a fair share of q's own strength: on the scale of
        // a short divisor (3 for 2016) little of q's pattern is left.
        int chosen = best;
        double chosen_strength = best_score.strength;
        for (int d = min_p; d <= best / 2; ++d) {
            if (best % d != 0 || divides_found(d)) continue;
            const PeriodScore s = scorer.score(reference, residual.data(), d, PeriodTests::all, stop);
            if (!s.significant) continue;
            const PeriodScore q_at_d = scorer.score(reference, residual.data(), best, d, PeriodTests::screen, stop);
            if (s.strength >= kFundamentalShare * q_at_d.strength && s.strength >= kDivisorFloor * best_score.strength) {
                chosen = d;
                chosen_strength = s.strength;
                break;
            }
        }
        found.push_back({chosen, chosen_strength});
        scorer.remove_pattern(residual.data(), chosen, stop);
        alive.erase(std::remove(alive.begin(), alive.end(), chosen), alive.end());
    }
    std::stable_sort(found.begin(), found.end(), [](const DetectedPeriod &a, const DetectedPeriod &b) {
        return a.strength != b.strength ? a.strength > b.strength : a.period < b.period;
    });
    return found;
}

}  // namespace anomaly
