#include "core/latest_points_state.hpp"

#include "core/byte_order.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace anomaly::latest_points {

namespace {

enum Offset : std::size_t {
    kVersion = 0,
    kFlags = 1,
    kLookback = 4,
    kMinHistory = 8,
    kCount = 12,
    kCapacity = 16,
    kNewestKey = 24,
    kNewestValue = 32,
};
constexpr std::uint8_t kHasNewest = 1;
constexpr std::uint8_t kNewestTwice = 2;
constexpr std::uint32_t kInitialCapacity = 32;

struct Point {
    std::int64_t key;
    double value;
};
// Heap order: the oldest point (smallest key, then smallest value) on top.
bool newer(const Point &a, const Point &b) { return a.key > b.key || (a.key == b.key && a.value > b.value); }

std::uint32_t count(const std::uint8_t *buf) { return le::load_u32(buf + kCount); }
std::uint32_t capacity(const std::uint8_t *buf) { return le::load_u32(buf + kCapacity); }
void set_count(std::uint8_t *buf, std::uint32_t n) { le::store_u32(buf + kCount, n); }

Point point(const std::uint8_t *buf, std::uint32_t i) {
    const std::uint8_t *p = buf + kHeaderSize + kPointSize * i;
    return Point{le::load_i64(p), le::load_f64(p + 8)};
}
void set_point(std::uint8_t *buf, std::uint32_t i, const Point &pt) {
    std::uint8_t *p = buf + kHeaderSize + kPointSize * i;
    le::store_i64(p, pt.key);
    le::store_f64(p + 8, pt.value);
}

void sift_up(std::uint8_t *buf, std::uint32_t i) {
    const Point pt = point(buf, i);
    while (i > 0) {
        const std::uint32_t parent = (i - 1) / 2;
        const Point up = point(buf, parent);
        if (!newer(up, pt)) break;
        set_point(buf, i, up);
        i = parent;
    }
    set_point(buf, i, pt);
}

void sift_down(std::uint8_t *buf, std::uint32_t i) {
    const std::uint32_t n = count(buf);
    const Point pt = point(buf, i);
    for (;;) {
        std::uint32_t child = 2 * i + 1;
        if (child >= n) break;
        Point c = point(buf, child);
        if (child + 1 < n) {
            const Point right = point(buf, child + 1);
            if (newer(c, right)) {
                c = right;
                ++child;
            }
        }
        if (!newer(pt, c)) break;
        set_point(buf, i, c);
        i = child;
    }
    set_point(buf, i, pt);
}

// Keeps the newest max_points() finite points.
void offer_point(std::uint8_t *buf, const Point &pt) {
    const std::uint32_t n = count(buf);
    if (n < max_points(params(buf))) {
        set_count(buf, n + 1);
        set_point(buf, n, pt);
        sift_up(buf, n);
    } else if (newer(pt, point(buf, 0))) {
        set_point(buf, 0, pt);
        sift_down(buf, 0);
    }
}

void offer_newest(std::uint8_t *buf, std::int64_t key, double value, bool twice) {
    std::uint8_t flags = buf[kFlags];
    const bool has = (flags & kHasNewest) != 0;
    const std::int64_t current = le::load_i64(buf + kNewestKey);
    if (!has || key > current) {
        flags = static_cast<std::uint8_t>(kHasNewest | (twice ? kNewestTwice : 0));
        le::store_i64(buf + kNewestKey, key);
        le::store_f64(buf + kNewestValue, value);
    } else if (key == current) {
        flags |= kNewestTwice;
    }
    buf[kFlags] = flags;
}

}  // namespace

std::uint32_t max_points(const MadZscoreParams &p) { return static_cast<std::uint32_t>(p.lookback) + 1; }

std::uint32_t initial_capacity(const MadZscoreParams &p) { return std::min(max_points(p), kInitialCapacity); }

void init(std::uint8_t *buf, std::uint32_t cap, const MadZscoreParams &p) {
    validate(p);
    std::fill(buf, buf + kHeaderSize, std::uint8_t{0});
    buf[kVersion] = kFormatVersion;
    le::store_i32(buf + kLookback, p.lookback);
    le::store_i32(buf + kMinHistory, p.min_history);
    le::store_u32(buf + kCapacity, cap);
}

void check(const std::uint8_t *buf, std::size_t len) {
    if (len < kHeaderSize) throw CorruptValue("state is " + std::to_string(len) + " bytes, too short");
    if (buf[kVersion] != kFormatVersion)
        throw CorruptValue("state has format version " + std::to_string(buf[kVersion]) + ", expected " +
                           std::to_string(kFormatVersion));
    const MadZscoreParams p = params(buf);
    if (p.lookback < 1 || p.min_history < 1 || p.min_history > p.lookback)
        throw CorruptValue("state has invalid parameters");
    const std::uint32_t cap = capacity(buf);
    if (cap > max_points(p) || count(buf) > cap || len != bytes_for(cap))
        throw CorruptValue("state has inconsistent sizes");
}

MadZscoreParams params(const std::uint8_t *buf) {
    return MadZscoreParams{le::load_i32(buf + kLookback), le::load_i32(buf + kMinHistory)};
}

bool has_newest(const std::uint8_t *buf) { return (buf[kFlags] & kHasNewest) != 0; }

std::int64_t newest_key(const std::uint8_t *buf) { return le::load_i64(buf + kNewestKey); }

std::uint32_t capacity_needed(const std::uint8_t *buf) {
    const std::uint32_t cap = capacity(buf);
    const std::uint32_t most = max_points(params(buf));
    if (count(buf) < cap || cap >= most) return 0;
    return cap > most / 2 ? most : std::max<std::uint32_t>(2 * cap, 1);
}

void copy(const std::uint8_t *from, std::uint8_t *to) {
    to[kFlags] = from[kFlags];
    le::store_i64(to + kNewestKey, newest_key(from));
    le::store_f64(to + kNewestValue, le::load_f64(from + kNewestValue));
    const std::uint32_t n = count(from);
    if (n > capacity(to)) throw std::logic_error("latest_points::copy: target too small");
    std::copy(from + kHeaderSize, from + kHeaderSize + kPointSize * n, to + kHeaderSize);
    set_count(to, n);
}

void add(std::uint8_t *buf, std::int64_t key, double value) {
    if (capacity_needed(buf) != 0) throw std::logic_error("latest_points::add: state is full");
    offer_newest(buf, key, value, false);
    if (std::isfinite(value)) offer_point(buf, Point{key, value});
}

std::uint32_t merged_capacity(const std::uint8_t *a, const std::uint8_t *b) {
    const std::uint64_t n = std::uint64_t{count(a)} + count(b);
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(n, max_points(params(a))));
}

void merge(const std::uint8_t *a, const std::uint8_t *b, std::uint8_t *out) {
    const MadZscoreParams pa = params(a), pb = params(b);
    if (pa.lookback != pb.lookback || pa.min_history != pb.min_history)
        throw InvalidParameter("cannot combine states with different lookback or min_history");
    for (const std::uint8_t *s : {a, b}) {
        if (has_newest(s)) offer_newest(out, newest_key(s), le::load_f64(s + kNewestValue), (s[kFlags] & kNewestTwice) != 0);
        for (std::uint32_t i = 0, n = count(s); i < n; ++i) offer_point(out, point(s, i));
    }
}

FinalScore final_score(const std::uint8_t *buf) {
    if (!has_newest(buf)) return FinalScore{FinalScore::Kind::no_score, 0.0, 0};
    const std::int64_t key = newest_key(buf);
    if (buf[kFlags] & kNewestTwice) return FinalScore{FinalScore::Kind::duplicate_newest, 0.0, key};
    const double x = le::load_f64(buf + kNewestValue);
    // The history: every stored point but the newest row itself. All of them
    // fit in lookback, so their order does not matter to median and MAD.
    std::vector<double> history;
    for (std::uint32_t i = 0, n = count(buf); i < n; ++i) {
        const Point pt = point(buf, i);
        if (pt.key != key) history.push_back(pt.value);
    }
    const double z = mad_zscore_last(history.data(), history.size(), x, params(buf));
    if (std::isnan(z)) return FinalScore{FinalScore::Kind::no_score, 0.0, key};
    return FinalScore{FinalScore::Kind::score, z, key};
}

}  // namespace anomaly::latest_points
