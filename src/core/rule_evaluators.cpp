#include "core/rule_evaluators.hpp"

#include "core/errors.hpp"
#include "core/float8_arith.hpp"
#include "core/mad_zscore.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace anomaly {

namespace {

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool finite(double x) { return std::isfinite(x); }

// The row of point i: the input value, every other column NULL.
void null_row(const RuleSeries &s, std::size_t i, RuleRows &out) {
    const std::size_t r = i - s.first;
    out.value[r] = s.values[i];
    out.expected[r] = out.lower[r] = out.upper[r] = out.score[r] = kNull;
    out.is_anomaly[r] = kNullBool;
}

std::int8_t to_bool(bool b) { return b ? 1 : 0; }

// abs(m) * pct / 100, as the SQL of the percent ranges computes it.
double percent_of(double m, double pct) { return f8::div(f8::mul(std::fabs(m), pct), 100.0); }

// The finite values of the series in order, and for each point the number of
// finite values strictly before it.
struct FiniteHistory {
    std::vector<double> values;
    std::vector<std::size_t> before;
};

FiniteHistory finite_history(const RuleSeries &s) {
    FiniteHistory h;
    h.before.resize(s.n);
    for (std::size_t i = 0; i < s.n; ++i) {
        h.before[i] = h.values.size();
        if (finite(s.values[i])) h.values.push_back(s.values[i]);
    }
    return h;
}

// avg / stddev_samp of fin[from, to) fed in order.
Float8Accum accumulate(const std::vector<double> &fin, std::size_t from, std::size_t to) {
    Float8Accum a;
    for (std::size_t k = from; k < to; ++k) a.add(fin[k]);
    return a;
}

// The start of the window of up to `lookback` values ending before `end`.
std::size_t window_start(std::size_t end, int lookback) {
    const std::size_t lb = static_cast<std::size_t>(lookback);
    return end > lb ? end - lb : 0;
}

void require(bool ok, const std::string &what) {
    if (!ok) throw InvalidParameter(what);
}

void check_window(const WindowParams &p, const char *method, int min_lookback, int min_min_history) {
    require(p.lookback >= min_lookback && p.lookback <= 10000, std::string(method) + ": lookback out of range");
    require(p.min_history >= min_min_history && p.min_history <= 10000,
            std::string(method) + ": min_history out of range");
    require(p.min_history <= p.lookback, std::string(method) + ": min_history exceeds lookback");
    require(p.threshold >= 0, std::string(method) + ": threshold out of range");
}

void threshold_rows(const RuleSeries &s, double thr, bool is_min, RuleRows &out) {
    for (std::size_t i = s.first; i < s.n; ++i) {
        const std::size_t r = i - s.first;
        const double v = s.values[i];
        out.value[r] = v;
        out.expected[r] = thr;
        out.lower[r] = is_min ? thr : kNull;
        out.upper[r] = is_min ? kNull : thr;
        if (finite(v)) {
            out.score[r] = f8::sub(v, thr);
            out.is_anomaly[r] = to_bool(is_min ? v < thr : v > thr);
        } else {
            out.score[r] = kNull;
            out.is_anomaly[r] = kNullBool;
        }
    }
}

}  // namespace

void Float8Accum::add(double x) {
    // float8_accum (PostgreSQL 15): an error when finite inputs overflow.
    const double old_n = n, old_sx = sx;
    n += 1.0;
    sx += x;
    if (old_n > 0.0) {
        const double tmp = x * n - sx;
        sxx += tmp * tmp / (n * old_n);
        if (std::isinf(sx) || std::isinf(sxx)) {
            if (!std::isinf(old_sx) && !std::isinf(x)) f8::overflow();
            sxx = kNull;
        }
    } else if (!std::isfinite(x)) {
        sxx = kNull;
    }
}

double Float8Accum::mean() const { return n == 0.0 ? kNull : sx / n; }

double Float8Accum::stddev_samp() const { return n <= 1.0 ? kNull : std::sqrt(sxx / (n - 1.0)); }

double pct_change(double value, double expected) {
    if (expected != 0.0) return f8::div(f8::mul(100.0, f8::sub(value, expected)), std::fabs(expected));
    if (value == expected) return 0.0;
    return value > expected ? kInf : -kInf;
}

double percentile_cont_median(double *v, std::size_t n) {
    if (n == 0) return kNull;
    std::sort(v, v + n);
    const double pos = 0.5 * static_cast<double>(n - 1);
    const double lo_row = std::floor(pos);
    const double hi_row = std::ceil(pos);
    const double lo = v[static_cast<std::size_t>(lo_row)];
    if (lo_row == hi_row) return lo;
    const double hi = v[static_cast<std::size_t>(hi_row)];
    return lo + ((pos - lo_row) * (hi - lo));
}

namespace {

// Weight and first digit of a ≥ 0 (microseconds, i.e. scale 6) in
// PostgreSQL's base-10000 numeric representation; (0, 0) for zero.
void numeric_weight(__int128 a_us, int &weight, int &first_digit) {
    weight = 0;
    first_digit = 0;
    if (a_us == 0) return;
    __int128 x = a_us * 100;  // units of 10^-8 = 10000^-2
    int digits = 0;
    while (x >= 10000) {
        x /= 10000;
        ++digits;
    }
    weight = digits - 2;
    first_digit = static_cast<int>(x);
}

}  // namespace

double numeric_epoch_ratio(std::int64_t a_us, std::int64_t b_us) {
    if (b_us <= 0 || a_us < 0) throw InvalidParameter("numeric_epoch_ratio: needs a >= 0 and b > 0");
    if (a_us == 0) return 0.0;
    // select_div_scale (PostgreSQL 15 numeric.c).
    int w1, d1, w2, d2;
    numeric_weight(a_us, w1, d1);
    numeric_weight(b_us, w2, d2);
    int qweight = w1 - w2;
    if (d1 <= d2) --qweight;
    const int rscale = std::min(1000, std::max(16 - qweight * 4, 6));
    // The quotient to rscale decimals by long division, rounded half away
    // from zero, then read as float8in reads numeric_out's text.
    const __int128 b = b_us;
    __int128 q = a_us / b;
    __int128 r = a_us % b;
    std::string digits;
    digits.reserve(static_cast<std::size_t>(rscale));
    for (int k = 0; k < rscale; ++k) {
        r *= 10;
        digits.push_back(static_cast<char>('0' + static_cast<int>(r / b)));
        r %= b;
    }
    if (2 * r >= b) {
        int k = rscale - 1;
        for (; k >= 0 && digits[static_cast<std::size_t>(k)] == '9'; --k) digits[static_cast<std::size_t>(k)] = '0';
        if (k >= 0) ++digits[static_cast<std::size_t>(k)];
        else ++q;
    }
    std::string integral;
    if (q == 0) integral = "0";
    while (q > 0) {
        integral.insert(integral.begin(), static_cast<char>('0' + static_cast<int>(q % 10)));
        q /= 10;
    }
    const std::string text = integral + "." + digits;
    return std::strtod(text.c_str(), nullptr);
}

void evaluate_min(const RuleSeries &s, const ThresholdParams &p, RuleRows &out) { threshold_rows(s, p.threshold, true, out); }

void evaluate_max(const RuleSeries &s, const ThresholdParams &p, RuleRows &out) { threshold_rows(s, p.threshold, false, out); }

void evaluate_zero_day(const RuleSeries &s, const ZeroDayParams &p, RuleRows &out, StopToken &stop) {
    require(p.lookback >= 1 && p.lookback <= 10000, "zero_day: lookback out of range");
    const FiniteHistory h = finite_history(s);
    for (std::size_t i = s.first; i < s.n; ++i) {
        stop.poll();
        null_row(s, i, out);
        const double v = s.values[i];
        if (!finite(v)) continue;
        const std::size_t r = i - s.first;
        const double m = accumulate(h.values, window_start(h.before[i], p.lookback), h.before[i]).mean();
        out.expected[r] = m;
        if (m > 0) out.score[r] = f8::div(f8::sub(v, m), m);
        out.is_anomaly[r] = to_bool(v == 0 && m > 0);  // NULL mean: false
    }
}

void evaluate_missing_data(const RuleSeries &s, const MissingDataParams &p, RuleRows &out) {
    require(p.frequency_us > 0, "missing_data: frequency must be positive");
    for (std::size_t i = s.first; i < s.n; ++i) {
        null_row(s, i, out);
        const std::size_t r = i - s.first;
        const std::int64_t t = s.times[i];
        const std::int64_t next = i + 1 < s.n ? s.times[i + 1] : std::max(p.as_of, t);
        const std::int64_t gap = next - t;
        out.score[r] = -numeric_epoch_ratio(gap, p.frequency_us);
        out.is_anomaly[r] = to_bool(static_cast<__int128>(gap) > p.max_gap_span);
    }
}

void evaluate_mad_zscore(const RuleSeries &s, const WindowParams &p, RuleRows &out, StopToken &stop) {
    check_window(p, "mad_zscore", 2, 2);
    const FiniteHistory h = finite_history(s);
    // Expected value and range: percentile_cont medians of each window.
    bool need_full = false;
    std::vector<double> window;
    for (std::size_t i = s.first; i < s.n; ++i) {
        stop.poll();
        null_row(s, i, out);
        if (!finite(s.values[i])) continue;
        const std::size_t end = h.before[i];
        const std::size_t start = window_start(end, p.lookback);
        if (end < static_cast<std::size_t>(p.min_history)) continue;
        window.assign(h.values.begin() + static_cast<std::ptrdiff_t>(start),
                      h.values.begin() + static_cast<std::ptrdiff_t>(end));
        const double m = percentile_cont_median(window.data(), window.size());
        const bool constant = window.front() == window.back();  // sorted
        Float8Accum abs_dev;
        for (std::size_t k = start; k < end; ++k) {
            window[k - start] = std::fabs(f8::sub(h.values[k], m));
            abs_dev.add(window[k - start]);
        }
        const double mad = percentile_cont_median(window.data(), window.size());
        if (mad == 0 && !constant) need_full = true;
        const double spread = mad > 0 ? f8::div(mad, 0.6745) : f8::mul(1.253314, abs_dev.mean());
        const std::size_t r = i - s.first;
        out.expected[r] = m;
        out.lower[r] = f8::sub(m, f8::mul(p.threshold, spread));
        out.upper[r] = f8::add(m, f8::mul(p.threshold, spread));
    }
    // Scores: the core of anomaly.mad_zscore, which the SQL rule called on the
    // whole series. Where MAD > 0 (or a window is constant) a score depends
    // on its window only, so the values from the first window needed on are
    // enough; where MAD = 0 the fallback's sums depend on the tree's history,
    // so the whole series is scored, as the SQL rule did.
    std::size_t from = 0;
    if (!need_full && s.first < s.n) from = h.before[s.first] > static_cast<std::size_t>(p.lookback)
                                                 ? h.before[s.first] - static_cast<std::size_t>(p.lookback)
                                                 : 0;
    std::vector<double> tail;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < s.n; ++i)
        if (from == 0 || (finite(s.values[i]) && h.before[i] >= from)) {
            tail.push_back(s.values[i]);
            index.push_back(i);
        }
    std::vector<double> z(tail.size());
    MadZscoreParams mp;
    mp.lookback = p.lookback;
    mp.min_history = p.min_history;
    mad_zscore_rolling(tail.data(), tail.size(), mp, z.data(), stop);
    for (std::size_t k = 0; k < tail.size(); ++k) {
        const std::size_t i = index[k];
        if (i < s.first) continue;
        const std::size_t r = i - s.first;
        out.score[r] = z[k];
        out.is_anomaly[r] = std::isnan(z[k]) ? kNullBool : to_bool(std::fabs(z[k]) > p.threshold);
    }
}

void evaluate_zscore(const RuleSeries &s, const WindowParams &p, RuleRows &out, StopToken &stop) {
    check_window(p, "zscore", 2, 2);
    const FiniteHistory h = finite_history(s);
    for (std::size_t i = s.first; i < s.n; ++i) {
        stop.poll();
        null_row(s, i, out);
        const double v = s.values[i];
        if (!finite(v)) continue;
        const std::size_t end = h.before[i];
        const std::size_t start = window_start(end, p.lookback);
        // Accumulated before the min_history test, as the SQL aggregated.
        const Float8Accum a = accumulate(h.values, start, end);
        if (end - start < static_cast<std::size_t>(p.min_history)) continue;
        const double m = a.mean(), sd = a.stddev_samp();
        const double z = sd > 0 ? f8::div(f8::sub(v, m), sd) : v == m ? 0.0 : v > m ? kInf : -kInf;
        const std::size_t r = i - s.first;
        out.expected[r] = m;
        out.lower[r] = f8::sub(m, f8::mul(p.threshold, sd));
        out.upper[r] = f8::add(m, f8::mul(p.threshold, sd));
        out.score[r] = z;
        out.is_anomaly[r] = to_bool(std::fabs(z) > p.threshold);
    }
}

void evaluate_pct_deviation(const RuleSeries &s, const WindowParams &p, RuleRows &out, StopToken &stop) {
    check_window(p, "pct_deviation", 1, 1);
    const FiniteHistory h = finite_history(s);
    for (std::size_t i = s.first; i < s.n; ++i) {
        stop.poll();
        null_row(s, i, out);
        const double v = s.values[i];
        if (!finite(v)) continue;
        const std::size_t end = h.before[i];
        const std::size_t start = window_start(end, p.lookback);
        const double m = accumulate(h.values, start, end).mean();
        if (end - start < static_cast<std::size_t>(p.min_history)) continue;
        const double d = pct_change(v, m);
        const std::size_t r = i - s.first;
        out.expected[r] = m;
        out.lower[r] = f8::sub(m, percent_of(m, p.threshold));
        out.upper[r] = f8::add(m, percent_of(m, p.threshold));
        out.score[r] = d;
        out.is_anomaly[r] = to_bool(std::fabs(d) > p.threshold);
    }
}

void evaluate_same_period_last_week(const RuleSeries &s, const SamePeriodParams &p, const std::int64_t *week_ago,
                                    RuleRows &out, StopToken &stop) {
    require(p.weeks >= 1 && p.weeks <= 520, "same_period_last_week: weeks out of range");
    require(p.min_weeks >= 1 && p.min_weeks <= p.weeks, "same_period_last_week: min_weeks out of range");
    require(p.threshold_pct >= 0, "same_period_last_week: threshold_pct out of range");
    const std::int64_t *begin = s.times, *end = s.times + s.n;
    for (std::size_t i = s.first; i < s.n; ++i) {
        stop.poll();
        null_row(s, i, out);
        const double v = s.values[i];
        if (!finite(v)) continue;
        const std::size_t r = i - s.first;
        Float8Accum a;
        for (int k = 0; k < p.weeks; ++k) {
            const std::int64_t target = week_ago[r * static_cast<std::size_t>(p.weeks) + static_cast<std::size_t>(k)];
            const std::int64_t *q = std::lower_bound(begin, end, target);
            if (q != end && *q == target && finite(s.values[q - begin])) a.add(s.values[q - begin]);
        }
        if (a.n < p.min_weeks) continue;
        const double m = a.mean();
        const double d = pct_change(v, m);
        out.expected[r] = m;
        out.lower[r] = f8::sub(m, percent_of(m, p.threshold_pct));
        out.upper[r] = f8::add(m, percent_of(m, p.threshold_pct));
        out.score[r] = d;
        out.is_anomaly[r] = to_bool(std::fabs(d) > p.threshold_pct);
    }
}

void evaluate_consecutive_direction(const RuleSeries &s, const ConsecutiveParams &p, RuleRows &out, StopToken &stop) {
    require(p.n >= 2 && p.n <= 10000, "consecutive_direction: n out of range");
    // Over the finite values: the sign of each step and the length of the run
    // of equal signs ending there (the first value has no sign: its own run).
    double previous = kNull, sign = kNull, start_value = kNull;
    std::size_t j = 0, streak = 0;
    const double n = p.n;
    for (std::size_t i = 0; i < s.n; ++i) {
        stop.poll();
        if (i >= s.first) null_row(s, i, out);
        const double v = s.values[i];
        if (!finite(v)) continue;
        ++j;
        double step = kNull;
        if (j > 1) {
            const double d = f8::sub(v, previous);
            step = d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;
        }
        const bool same = j > 2 && step == sign;  // the first sign is distinct from "none"
        streak = same ? streak + 1 : 1;
        if (!same) start_value = previous;        // the run starts at the value before it
        sign = step;
        previous = v;
        if (i < s.first || j <= static_cast<std::size_t>(p.n)) continue;
        const double z = sign == 0 ? 0.0 : sign * static_cast<double>(streak);
        const std::size_t r = i - s.first;
        out.expected[r] = start_value;
        out.score[r] = z;
        out.is_anomaly[r] = to_bool((p.watch_down && z <= -n) || (p.watch_up && z >= n));
    }
}

void evaluate_rolling_mean_shift(const RuleSeries &s, const MeanShiftParams &p, RuleRows &out, StopToken &stop) {
    require(p.short_window >= 1 && p.short_window <= 10000, "rolling_mean_shift: short out of range");
    require(p.long_window >= 1 && p.long_window <= 10000, "rolling_mean_shift: long out of range");
    require(p.threshold_pct >= 0, "rolling_mean_shift: threshold_pct out of range");
    const FiniteHistory h = finite_history(s);
    const std::size_t sw = static_cast<std::size_t>(p.short_window);
    const std::size_t lw = static_cast<std::size_t>(p.long_window);
    for (std::size_t i = s.first; i < s.n; ++i) {
        stop.poll();
        null_row(s, i, out);
        if (!finite(s.values[i])) continue;
        const std::size_t j = h.before[i] + 1;  // finite values up to and including i
        if (j < sw + lw) continue;
        const double sm = accumulate(h.values, j - sw, j).mean();
        const double lm = accumulate(h.values, j - sw - lw, j - sw).mean();
        const double d = pct_change(sm, lm);
        const std::size_t r = i - s.first;
        out.value[r] = sm;
        out.expected[r] = lm;
        out.lower[r] = f8::sub(lm, percent_of(lm, p.threshold_pct));
        out.upper[r] = f8::add(lm, percent_of(lm, p.threshold_pct));
        out.score[r] = d;
        out.is_anomaly[r] = to_bool(std::fabs(d) > p.threshold_pct);
    }
}

}  // namespace anomaly
