#include "core/isolation_forest.hpp"

#include "core/byte_order.hpp"
#include "core/errors.hpp"
#include "core/seeded_random.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

namespace anomaly {

namespace {

constexpr double kEulerGamma = 0.5772156649015329;
constexpr std::size_t kModelHeaderSize = 16;
constexpr std::size_t kTreeHeaderSize = 8;
constexpr std::size_t kNodeSize = 16;
constexpr std::uint8_t kMagic[4] = {'A', 'I', 'F', 'M'};

std::uint32_t height_limit(std::uint32_t psi) {
    std::uint32_t h = 0;
    while ((std::uint64_t{1} << h) < psi) ++h;  // ceil(log2(psi))
    return h;
}

// Grows one tree on the rows listed in idx[0..n) (indices into `rows`),
// reordering idx in place.
class TreeBuilder {
public:
    TreeBuilder(const double *rows, std::size_t n_features, SeededRandom &rng, StopToken &stop)
        : rows_(rows), d_(n_features), rng_(rng), stop_(stop), lo_(n_features), hi_(n_features),
          candidates_(n_features) {}

    IForestTree grow(std::uint32_t *idx, std::uint32_t n) {
        IForestTree tree;
        tree.sample_size = n;
        tree.nodes.reserve(2 * static_cast<std::size_t>(n) - 1);
        limit_ = height_limit(n);
        build(tree, idx, n, 0);
        return tree;
    }

private:
    double value(std::uint32_t row, std::size_t f) const { return rows_[static_cast<std::size_t>(row) * d_ + f]; }

    void leaf(IForestTree &tree, std::uint32_t n) { tree.nodes.push_back(IForestNode{-1, n, 0.0}); }

    void build(IForestTree &tree, std::uint32_t *idx, std::uint32_t n, std::uint32_t depth) {
        stop_.poll();
        if (n <= 1 || depth >= limit_) return leaf(tree, n);
        // Range of every feature over the node's rows; split only on non-constant ones.
        for (std::size_t f = 0; f < d_; ++f) lo_[f] = hi_[f] = value(idx[0], f);
        for (std::uint32_t i = 1; i < n; ++i) {
            const double *x = rows_ + static_cast<std::size_t>(idx[i]) * d_;
            for (std::size_t f = 0; f < d_; ++f) {
                lo_[f] = std::min(lo_[f], x[f]);
                hi_[f] = std::max(hi_[f], x[f]);
            }
        }
        std::size_t n_candidates = 0;
        for (std::size_t f = 0; f < d_; ++f)
            if (lo_[f] < hi_[f]) candidates_[n_candidates++] = static_cast<std::uint32_t>(f);
        if (n_candidates == 0) return leaf(tree, n);  // all rows equal: cannot be isolated further
        const std::uint32_t f = candidates_[rng_.below(n_candidates)];
        const double lo = lo_[f], hi = hi_[f];
        // One correctly rounded fma: the same bits on every platform, whether or
        // not the compiler would contract a * b + c on its own.
        double split = std::fma(rng_.uniform_open(), hi - lo, lo);
        if (!(split > lo) || split > hi) split = hi;  // rounding: keep both sides non-empty
        // Partition: x[f] < split to the front.
        std::uint32_t *mid = std::partition(idx, idx + n, [&](std::uint32_t r) { return value(r, f) < split; });
        const std::uint32_t n_left = static_cast<std::uint32_t>(mid - idx);
        const std::size_t me = tree.nodes.size();
        tree.nodes.push_back(IForestNode{static_cast<std::int32_t>(f), 0, split});
        build(tree, idx, n_left, depth + 1);
        tree.nodes[me].right_or_size = static_cast<std::uint32_t>(tree.nodes.size());
        build(tree, mid, n - n_left, depth + 1);
    }

    const double *rows_;
    std::size_t d_;
    SeededRandom &rng_;
    StopToken &stop_;
    std::uint32_t limit_ = 0;
    std::vector<double> lo_, hi_;
    std::vector<std::uint32_t> candidates_;
};

void check_features(std::size_t n_features) {
    if (n_features < 1 || n_features > kIForestMaxFeatures)
        throw InvalidParameter("the number of features must be between 1 and " +
                               std::to_string(kIForestMaxFeatures) + ", got " + std::to_string(n_features));
}

// Checks one serialized tree (pre-order) and returns it.
IForestTree read_tree(const std::uint8_t *p, std::uint32_t psi, std::uint32_t n_nodes, std::uint32_t n_features) {
    if (psi < 1 || psi > kIForestMaxSampleSize) throw CorruptValue("isolation forest model: bad tree sample size");
    if (n_nodes < 1 || n_nodes > 2 * static_cast<std::uint64_t>(psi) - 1)
        throw CorruptValue("isolation forest model: bad node count");
    IForestTree tree;
    tree.sample_size = psi;
    tree.nodes.resize(n_nodes);
    for (std::uint32_t i = 0; i < n_nodes; ++i, p += kNodeSize) {
        IForestNode &node = tree.nodes[i];
        node.feature = le::load_i32(p);
        node.right_or_size = le::load_u32(p + 4);
        node.split = le::load_f64(p + 8);
    }
    // Walk the pre-order layout: every node must be reached exactly once, in
    // order, and the right child must start where the left subtree ends.
    // pending holds the nodes whose right subtree still has to start.
    std::vector<std::uint32_t> pending;
    std::uint64_t leaf_rows = 0;
    for (std::uint32_t i = 0; i < n_nodes; ++i) {
        const IForestNode &node = tree.nodes[i];
        if (i > 0) {
            // Node i is either the left child of node i-1 (if internal) or the
            // right child of the innermost pending node.
            if (tree.nodes[i - 1].feature < 0) {
                if (pending.empty() || tree.nodes[pending.back()].right_or_size != i)
                    throw CorruptValue("isolation forest model: malformed tree");
                pending.pop_back();
            }
        }
        if (node.feature < 0) {
            if (node.feature != -1 || node.right_or_size < 1 || node.right_or_size > psi || node.split != 0.0)
                throw CorruptValue("isolation forest model: malformed leaf");
            leaf_rows += node.right_or_size;
        } else {
            if (static_cast<std::uint32_t>(node.feature) >= n_features || !std::isfinite(node.split) ||
                node.right_or_size <= i + 1 || node.right_or_size >= n_nodes)
                throw CorruptValue("isolation forest model: malformed internal node");
            pending.push_back(i);
        }
    }
    if (!pending.empty() || tree.nodes.back().feature >= 0 || leaf_rows != psi)
        throw CorruptValue("isolation forest model: malformed tree");
    return tree;
}

}  // namespace

void validate(const IForestOptions &options) {
    if (options.n_trees < 1 || options.n_trees > kIForestMaxTrees)
        throw InvalidParameter("n_trees must be between 1 and " + std::to_string(kIForestMaxTrees) + ", got " +
                               std::to_string(options.n_trees));
    if (options.sample_size < 2 || options.sample_size > kIForestMaxSampleSize)
        throw InvalidParameter("sample_size must be between 2 and " + std::to_string(kIForestMaxSampleSize) +
                               ", got " + std::to_string(options.sample_size));
}

namespace {

double average_path_length_formula(double n) {
    if (n <= 1.0) return 0.0;
    if (n <= 2.0) return 1.0;
    return 2.0 * (std::log(n - 1.0) + kEulerGamma) - 2.0 * (n - 1.0) / n;
}

// c(n) for the leaf sizes met when scoring (n ≤ 256 with the default psi):
// a table saves a logarithm per tree per row.
constexpr std::uint32_t kPathTableSize = 1025;
struct PathLengthTable {
    double c[kPathTableSize];
    PathLengthTable() {
        for (std::uint32_t n = 0; n < kPathTableSize; ++n) c[n] = average_path_length_formula(n);
    }
};
const PathLengthTable kPathTable;

double leaf_path_length(std::uint32_t size) {
    return size < kPathTableSize ? kPathTable.c[size] : average_path_length_formula(size);
}

}  // namespace

double iforest_average_path_length(double n) { return average_path_length_formula(n); }

IsolationForest iforest_fit(const double *rows, std::size_t n_rows, std::size_t n_features,
                            const IForestOptions &options, StopToken &stop) {
    validate(options);
    check_features(n_features);
    if (n_rows < 2) throw DataError("an isolation forest needs at least 2 rows with finite features");
    if (n_rows > UINT32_MAX) throw DataError("too many rows for one isolation forest fit");
    IsolationForest forest;
    forest.n_features = static_cast<std::uint32_t>(n_features);
    forest.trees.reserve(options.n_trees);
    const std::uint32_t psi = static_cast<std::uint32_t>(std::min<std::size_t>(options.sample_size, n_rows));
    // One permutation of row indices, partially reshuffled for each tree: the
    // first psi entries after a partial Fisher-Yates pass are a uniform sample
    // without replacement whatever permutation the pass started from.
    std::vector<std::uint32_t> perm(n_rows);
    std::iota(perm.begin(), perm.end(), 0u);
    std::vector<std::uint32_t> idx(psi);
    std::uint64_t seeder = options.seed;
    for (std::uint32_t t = 0; t < options.n_trees; ++t) {
        SeededRandom rng(splitmix64(seeder));
        for (std::uint32_t i = 0; i < psi; ++i) {
            stop.poll();
            const std::size_t j = i + static_cast<std::size_t>(rng.below(n_rows - i));
            std::swap(perm[i], perm[j]);
            idx[i] = perm[i];
        }
        TreeBuilder builder(rows, n_features, rng, stop);
        forest.trees.push_back(builder.grow(idx.data(), psi));
    }
    return forest;
}

double iforest_path_length(const IForestTree &tree, const double *x) {
    std::uint32_t i = 0, depth = 0;
    for (;;) {
        const IForestNode &node = tree.nodes[i];
        if (node.feature < 0) return depth + leaf_path_length(node.right_or_size);
        i = x[node.feature] < node.split ? i + 1 : node.right_or_size;
        ++depth;
    }
}

double iforest_score(const IsolationForest &forest, const double *x) {
    for (std::uint32_t f = 0; f < forest.n_features; ++f)
        if (!std::isfinite(x[f])) return std::nan("");
    if (forest.trees.empty()) return std::nan("");
    double sum = 0.0;
    for (const IForestTree &tree : forest.trees) {
        const double c = iforest_average_path_length(tree.sample_size);
        // A tree grown on a single row cannot tell anything apart: it adds the
        // neutral normalised depth 1 (score 0.5).
        sum += c > 0.0 ? iforest_path_length(tree, x) / c : 1.0;
    }
    return std::exp2(-sum / static_cast<double>(forest.trees.size()));
}

IsolationForest iforest_merge(const IsolationForest &a, const IsolationForest &b) {
    if (a.n_features != b.n_features)
        throw InvalidParameter("cannot merge isolation forests over different numbers of features (" +
                               std::to_string(a.n_features) + " and " + std::to_string(b.n_features) + ")");
    if (a.trees.size() + b.trees.size() > kIForestMaxTrees)
        throw InvalidParameter("a merged isolation forest would have more than " +
                               std::to_string(kIForestMaxTrees) + " trees");
    IsolationForest out;
    out.n_features = a.n_features;
    out.trees.reserve(a.trees.size() + b.trees.size());
    out.trees.insert(out.trees.end(), a.trees.begin(), a.trees.end());
    out.trees.insert(out.trees.end(), b.trees.begin(), b.trees.end());
    return out;
}

std::vector<std::uint8_t> iforest_serialize(const IsolationForest &forest) {
    std::size_t len = kModelHeaderSize;
    for (const IForestTree &tree : forest.trees) len += kTreeHeaderSize + kNodeSize * tree.nodes.size();
    std::vector<std::uint8_t> out(len, 0);
    std::uint8_t *p = out.data();
    std::memcpy(p, kMagic, 4);
    p[4] = kIForestFormatVersion;
    le::store_u32(p + 8, forest.n_features);
    le::store_u32(p + 12, static_cast<std::uint32_t>(forest.trees.size()));
    p += kModelHeaderSize;
    for (const IForestTree &tree : forest.trees) {
        le::store_u32(p, tree.sample_size);
        le::store_u32(p + 4, static_cast<std::uint32_t>(tree.nodes.size()));
        p += kTreeHeaderSize;
        for (const IForestNode &node : tree.nodes) {
            le::store_i32(p, node.feature);
            le::store_u32(p + 4, node.right_or_size);
            le::store_f64(p + 8, node.split);
            p += kNodeSize;
        }
    }
    return out;
}

IsolationForest iforest_deserialize(const std::uint8_t *bytes, std::size_t len) {
    if (len < kModelHeaderSize || std::memcmp(bytes, kMagic, 4) != 0)
        throw CorruptValue("not an isolation forest model");
    if (bytes[4] != kIForestFormatVersion)
        throw CorruptValue("isolation forest model of unknown format version " + std::to_string(bytes[4]));
    if (bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0)
        throw CorruptValue("isolation forest model: reserved bytes are not zero");
    IsolationForest forest;
    forest.n_features = le::load_u32(bytes + 8);
    const std::uint32_t n_trees = le::load_u32(bytes + 12);
    if (forest.n_features < 1 || forest.n_features > kIForestMaxFeatures)
        throw CorruptValue("isolation forest model: bad number of features");
    if (n_trees < 1 || n_trees > kIForestMaxTrees) throw CorruptValue("isolation forest model: bad number of trees");
    forest.trees.reserve(n_trees);
    std::size_t at = kModelHeaderSize;
    for (std::uint32_t t = 0; t < n_trees; ++t) {
        if (len - at < kTreeHeaderSize) throw CorruptValue("isolation forest model: truncated");
        const std::uint32_t psi = le::load_u32(bytes + at);
        const std::uint32_t n_nodes = le::load_u32(bytes + at + 4);
        at += kTreeHeaderSize;
        if (n_nodes > (len - at) / kNodeSize) throw CorruptValue("isolation forest model: truncated");
        forest.trees.push_back(read_tree(bytes + at, psi, n_nodes, forest.n_features));
        at += kNodeSize * n_nodes;
    }
    if (at != len) throw CorruptValue("isolation forest model: trailing bytes");
    return forest;
}

std::uint32_t iforest_check_model(const std::uint8_t *bytes, std::size_t len) {
    return iforest_deserialize(bytes, len).n_features;
}

double iforest_score_model(const std::uint8_t *bytes, const double *x) {
    const std::uint32_t n_features = le::load_u32(bytes + 8), n_trees = le::load_u32(bytes + 12);
    for (std::uint32_t f = 0; f < n_features; ++f)
        if (!std::isfinite(x[f])) return std::nan("");
    const std::uint8_t *p = bytes + kModelHeaderSize;
    std::uint32_t last_psi = 0;
    double c = 0.0, sum = 0.0;
    for (std::uint32_t t = 0; t < n_trees; ++t) {
        const std::uint32_t psi = le::load_u32(p), n_nodes = le::load_u32(p + 4);
        const std::uint8_t *nodes = p + kTreeHeaderSize;
        if (psi != last_psi) {
            last_psi = psi;
            c = iforest_average_path_length(psi);
        }
        std::uint32_t i = 0, depth = 0;
        for (;;) {
            const std::uint8_t *node = nodes + static_cast<std::size_t>(i) * kNodeSize;
            const std::int32_t feature = le::load_i32(node);
            if (feature < 0) break;
            i = x[feature] < le::load_f64(node + 8) ? i + 1 : le::load_u32(node + 4);
            ++depth;
        }
        const std::uint32_t size = le::load_u32(nodes + static_cast<std::size_t>(i) * kNodeSize + 4);
        sum += c > 0.0 ? (depth + leaf_path_length(size)) / c : 1.0;
        p = nodes + static_cast<std::size_t>(n_nodes) * kNodeSize;
    }
    return std::exp2(-sum / n_trees);
}

// ---- window ------------------------------------------------------------------

std::uint32_t iforest_window_min_rows(const IForestWindowOptions &options) {
    return std::max<std::uint32_t>(2, std::min(options.window, kIForestWindowMinRows));
}

void validate(const IForestWindowOptions &options) {
    if (options.window < 2 || options.window > kIForestMaxWindow)
        throw InvalidParameter("window must be between 2 and " + std::to_string(kIForestMaxWindow) + ", got " +
                               std::to_string(options.window));
    if (options.refit_every < 1 || options.refit_every > kIForestMaxWindow)
        throw InvalidParameter("refit_every must be between 1 and " + std::to_string(kIForestMaxWindow) +
                               ", got " + std::to_string(options.refit_every));
    validate(options.forest);
}

std::vector<double> iforest_window_scores(const double *rows, std::size_t n_rows, std::size_t n_features,
                                          const IForestWindowOptions &options, StopToken &stop) {
    validate(options);
    check_features(n_features);
    std::vector<double> out(n_rows, std::nan(""));
    std::vector<char> usable(n_rows);
    for (std::size_t t = 0; t < n_rows; ++t) {
        const double *x = rows + t * n_features;
        usable[t] = std::all_of(x, x + n_features, [](double v) { return std::isfinite(v); });
    }
    const std::uint32_t min_rows = iforest_window_min_rows(options);
    std::vector<double> train;
    train.reserve(static_cast<std::size_t>(std::min<std::size_t>(options.window, n_rows)) * n_features);
    IsolationForest forest;
    bool have_forest = false;
    std::size_t fitted_at = 0;
    std::size_t usable_in_window = 0;  // usable rows among [t - window, t)
    for (std::size_t t = 0; t < n_rows; ++t) {
        stop.poll();
        if (t > 0 && usable[t - 1]) ++usable_in_window;
        if (t > options.window && usable[t - 1 - options.window]) --usable_in_window;
        const bool due = !have_forest || t - fitted_at >= options.refit_every;
        if (due && usable_in_window >= min_rows) {
            train.clear();
            const std::size_t from = t > options.window ? t - options.window : 0;
            for (std::size_t r = from; r < t; ++r)
                if (usable[r]) train.insert(train.end(), rows + r * n_features, rows + (r + 1) * n_features);
            forest = iforest_fit(train.data(), usable_in_window, n_features, options.forest, stop);
            have_forest = true;
            fitted_at = t;
        }
        if (have_forest && usable[t]) out[t] = iforest_score(forest, rows + t * n_features);
    }
    return out;
}

}  // namespace anomaly
