#include "core/isolation_forest_sample.hpp"

#include "core/byte_order.hpp"
#include "core/errors.hpp"
#include "core/seeded_random.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

namespace anomaly::iforest_sample {

namespace {

constexpr std::uint8_t kMagic[4] = {'A', 'I', 'F', 'S'};

std::size_t entry_size(std::uint32_t n_features) { return 8 + 8 * static_cast<std::size_t>(n_features); }

std::uint32_t get_k(const std::uint8_t *buf) { return le::load_u32(buf + 28); }
std::uint32_t get_capacity(const std::uint8_t *buf) { return le::load_u32(buf + 32); }
void set_count(std::uint8_t *buf, std::uint32_t n) { le::store_u32(buf + 36, n); }

// Entry i of the heap.
struct Heap {
    std::uint8_t *base;
    std::uint32_t d;
    std::size_t size;  // bytes per entry

    Heap(std::uint8_t *buf) : base(buf + kHeaderSize), d(n_features(buf)), size(entry_size(d)) {}
    std::uint8_t *at(std::size_t i) const { return base + i * size; }

    // Strict order on (hash, values).
    bool less(const std::uint8_t *a, const std::uint8_t *b) const {
        const std::uint64_t ha = le::load_u64(a), hb = le::load_u64(b);
        if (ha != hb) return ha < hb;
        for (std::uint32_t f = 0; f < d; ++f) {
            const double va = le::load_f64(a + 8 + 8 * f), vb = le::load_f64(b + 8 + 8 * f);
            if (va != vb) return va < vb;
        }
        return false;
    }
    void swap(std::size_t i, std::size_t j) const { std::swap_ranges(at(i), at(i) + size, at(j)); }

    void sift_up(std::size_t i) const {
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!less(at(parent), at(i))) return;
            swap(parent, i);
            i = parent;
        }
    }
    void sift_down(std::size_t i, std::size_t n) const {
        for (;;) {
            std::size_t largest = i;
            const std::size_t l = 2 * i + 1, r = l + 1;
            if (l < n && less(at(largest), at(l))) largest = l;
            if (r < n && less(at(largest), at(r))) largest = r;
            if (largest == i) return;
            swap(i, largest);
            i = largest;
        }
    }
};

// Encodes (hash, row) into entry e.
void encode(std::uint8_t *e, std::uint64_t hash, const double *row, std::uint32_t d) {
    le::store_u64(e, hash);
    for (std::uint32_t f = 0; f < d; ++f) le::store_f64(e + 8 + 8 * f, row[f] == 0.0 ? 0.0 : row[f]);
}

std::uint64_t row_hash(const double *row, std::uint32_t d, std::uint64_t seed) {
    std::uint64_t h = mix64(seed ^ 0x6966726f72657374ULL);  // "iforest"
    for (std::uint32_t f = 0; f < d; ++f) {
        const double v = row[f] == 0.0 ? 0.0 : row[f];
        std::uint64_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        h = mix64(h ^ bits);
    }
    return h;
}

// Offers an encoded entry (the row's hash and values) to the heap of buf.
void offer(std::uint8_t *buf, const std::uint8_t *entry) {
    const Heap heap(buf);
    const std::uint32_t n = count(buf);
    if (n < get_k(buf)) {
        std::memcpy(heap.at(n), entry, heap.size);
        set_count(buf, n + 1);
        heap.sift_up(n);
    } else if (heap.less(entry, heap.at(0))) {
        std::memcpy(heap.at(0), entry, heap.size);
        heap.sift_down(0, n);
    }
}

}  // namespace

std::uint32_t pool_rows(const IForestOptions &options) {
    const std::uint64_t all = static_cast<std::uint64_t>(options.n_trees) * options.sample_size;
    return static_cast<std::uint32_t>(
        std::max<std::uint64_t>(options.sample_size, std::min<std::uint64_t>(all, kIForestMaxPoolRows)));
}

std::size_t bytes_for(std::uint32_t capacity, std::uint32_t n_features) {
    return kHeaderSize + static_cast<std::size_t>(capacity) * entry_size(n_features);
}

void check_limits(const IForestOptions &options, std::uint32_t n_features, std::size_t max_bytes) {
    validate(options);
    if (n_features < 1 || n_features > kIForestMaxFeatures)
        throw InvalidParameter("the number of features must be between 1 and " +
                               std::to_string(kIForestMaxFeatures) + ", got " + std::to_string(n_features));
    const long double pool = static_cast<long double>(pool_rows(options)) * entry_size(n_features) + kHeaderSize;
    if (pool > static_cast<long double>(max_bytes))
        throw std::length_error("the training sample of " + std::to_string(pool_rows(options)) + " rows of " +
                                std::to_string(n_features) + " features would exceed the size limit of a value; " +
                                "lower sample_size or n_trees, or use fewer features");
    // Largest model: every tree with 2·psi - 1 nodes of 16 bytes.
    const long double model =
        16.0L + static_cast<long double>(options.n_trees) * (8.0L + 16.0L * (2.0L * options.sample_size - 1.0L));
    if (model > static_cast<long double>(max_bytes))
        throw std::length_error("a model of " + std::to_string(options.n_trees) + " trees of sample_size " +
                                std::to_string(options.sample_size) +
                                " could exceed the size limit of a value; lower n_trees or sample_size");
}

std::uint32_t initial_capacity(const IForestOptions &options) { return std::min<std::uint32_t>(64, pool_rows(options)); }

void init(std::uint8_t *buf, std::uint32_t capacity, const IForestOptions &options, std::uint32_t n_features) {
    std::memset(buf, 0, kHeaderSize);
    std::memcpy(buf, kMagic, 4);
    buf[4] = kIForestSampleVersion;
    le::store_u32(buf + 8, options.n_trees);
    le::store_u32(buf + 12, options.sample_size);
    le::store_u64(buf + 16, options.seed);
    le::store_u32(buf + 24, n_features);
    le::store_u32(buf + 28, pool_rows(options));
    le::store_u32(buf + 32, capacity);
    set_count(buf, 0);
}

void check_header(const std::uint8_t *buf, std::size_t len) {
    if (len < kHeaderSize || std::memcmp(buf, kMagic, 4) != 0 || buf[4] != kIForestSampleVersion || buf[5] != 0 ||
        buf[6] != 0 || buf[7] != 0)
        throw CorruptValue("not an iforest_fit state of this version");
    const IForestOptions o = options(buf);
    const std::uint32_t d = n_features(buf);
    try {
        validate(o);
    } catch (const InvalidParameter &) {
        throw CorruptValue("iforest_fit state: bad options");
    }
    if (d < 1 || d > kIForestMaxFeatures || get_k(buf) != pool_rows(o) || get_capacity(buf) < 1 || get_capacity(buf) > get_k(buf) ||
        count(buf) > get_capacity(buf) || len != bytes_for(get_capacity(buf), d))
        throw CorruptValue("iforest_fit state: inconsistent header");
}

void check(const std::uint8_t *buf, std::size_t len) {
    check_header(buf, len);
    const std::uint32_t d = n_features(buf);
    // Stored values must be finite (they were checked when added).
    const std::size_t es = entry_size(d);
    for (std::uint32_t i = 0; i < count(buf); ++i)
        for (std::uint32_t f = 0; f < d; ++f)
            if (!std::isfinite(le::load_f64(buf + kHeaderSize + i * es + 8 + 8 * f)))
                throw CorruptValue("iforest_fit state: non-finite value");
}

IForestOptions options(const std::uint8_t *buf) {
    IForestOptions o;
    o.n_trees = le::load_u32(buf + 8);
    o.sample_size = le::load_u32(buf + 12);
    o.seed = le::load_u64(buf + 16);
    return o;
}

std::uint32_t n_features(const std::uint8_t *buf) { return le::load_u32(buf + 24); }
std::uint32_t count(const std::uint8_t *buf) { return le::load_u32(buf + 36); }

std::uint32_t capacity_needed(const std::uint8_t *buf) {
    const std::uint32_t cap = get_capacity(buf), k = get_k(buf);
    if (count(buf) < cap || cap >= k) return 0;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(k, 2 * static_cast<std::uint64_t>(cap)));
}

void copy(const std::uint8_t *from, std::uint8_t *to) {
    const std::uint32_t n = count(from);
    std::memcpy(to + kHeaderSize, from + kHeaderSize, static_cast<std::size_t>(n) * entry_size(n_features(from)));
    set_count(to, n);
}

bool usable(const double *row, std::size_t n) {
    return std::all_of(row, row + n, [](double v) { return std::isfinite(v); });
}

void add(std::uint8_t *buf, const double *row) {
    const std::uint32_t d = n_features(buf);
    std::vector<std::uint8_t> entry(entry_size(d));
    encode(entry.data(), row_hash(row, d, options(buf).seed), row, d);
    offer(buf, entry.data());
}

std::uint32_t merged_capacity(const std::uint8_t *a, const std::uint8_t *b) {
    const IForestOptions oa = options(a), ob = options(b);
    if (oa.n_trees != ob.n_trees || oa.sample_size != ob.sample_size || oa.seed != ob.seed)
        throw InvalidParameter("n_trees, sample_size and seed must be the same for every row of a group");
    if (n_features(a) != n_features(b))
        throw DataError("features must have the same length in every row of a group (" +
                        std::to_string(n_features(a)) + " and " + std::to_string(n_features(b)) + ")");
    return static_cast<std::uint32_t>(
        std::max<std::uint64_t>(1, std::min<std::uint64_t>(get_k(a), std::uint64_t{count(a)} + count(b))));
}

void merge(const std::uint8_t *a, const std::uint8_t *b, std::uint8_t *out, StopToken &stop) {
    const std::size_t es = entry_size(n_features(a));
    for (const std::uint8_t *src : {a, b}) {
        for (std::uint32_t i = 0; i < count(src); ++i) {
            stop.poll();
            offer(out, src + kHeaderSize + i * es);
        }
    }
}

std::vector<double> sorted_rows(const std::uint8_t *buf, StopToken &stop) {
    std::vector<std::uint8_t> copy_of(buf, buf + bytes_for(count(buf), n_features(buf)));
    // A heap of count entries: pop it into ascending order in place.
    le::store_u32(copy_of.data() + 32, count(buf));
    const Heap heap(copy_of.data());
    const std::uint32_t n = count(buf), d = n_features(buf);
    for (std::uint32_t end = n; end > 1; --end) {
        stop.poll();
        heap.swap(0, end - 1);
        heap.sift_down(0, end - 1);
    }
    std::vector<double> rows(static_cast<std::size_t>(n) * d);
    for (std::uint32_t i = 0; i < n; ++i)
        for (std::uint32_t f = 0; f < d; ++f)
            rows[static_cast<std::size_t>(i) * d + f] = le::load_f64(heap.at(i) + 8 + 8 * f);
    return rows;
}

std::vector<std::uint8_t> fit_model(const std::uint8_t *buf, StopToken &stop) {
    if (count(buf) < 2) return {};
    const std::vector<double> rows = sorted_rows(buf, stop);
    return iforest_serialize(iforest_fit(rows.data(), count(buf), n_features(buf), options(buf), stop));
}

std::size_t max_model_bytes(const std::uint8_t *buf) {
    const IForestOptions o = options(buf);
    const std::size_t psi = std::min<std::size_t>(o.sample_size, count(buf));
    return 16 + static_cast<std::size_t>(o.n_trees) * (8 + 16 * (2 * std::max<std::size_t>(psi, 1) - 1));
}

std::size_t fit_model_into(const std::uint8_t *buf, std::uint8_t *out, StopToken &stop) {
    const std::vector<std::uint8_t> model = fit_model(buf, stop);
    if (model.size() > max_model_bytes(buf)) throw std::logic_error("iforest model larger than its bound");
    std::copy(model.begin(), model.end(), out);
    return model.size();
}

}  // namespace anomaly::iforest_sample
