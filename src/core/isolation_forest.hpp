// Isolation forest (Liu, Ting and Zhou, "Isolation Forest", ICDM 2008).
//
// Each tree isolates a random subsample of psi rows: at every node a random
// feature (among those not constant in the node) and a split value uniform
// between the node's min and max of that feature; a node becomes a leaf when it
// holds one row, when all its rows are equal, or at the height limit
// ceil(log2(psi)). The path length of x in a tree is the depth of the leaf it
// reaches plus c(size of the leaf), c(n) = 2H(n-1) - 2(n-1)/n being the mean
// path length of an unsuccessful search in a binary search tree of n keys.
// The score is s(x) = 2^(-mean over trees of h_t(x) / c(psi_t)), in [0, 1]:
// near 1 = easy to isolate (anomalous), about 0.5 or below = ordinary. When all
// trees have the same psi this is the paper's 2^(-E[h(x)]/c(psi)); a merged
// forest keeps each tree's own psi.
//
// Randomness comes from SeededRandom only, so a model is the same for a seed
// on every platform. Trees are stored flat, nodes in pre-order.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anomaly {

struct IForestOptions {
    std::uint32_t n_trees = 100;
    // psi: rows drawn (without replacement) for each tree; min(sample_size, rows) is used.
    std::uint32_t sample_size = 256;
    std::uint64_t seed = 42;
};

// Limits checked by validate(): 1 ≤ n_trees ≤ kMaxTrees, 2 ≤ sample_size ≤ kMaxSampleSize.
constexpr std::uint32_t kIForestMaxTrees = 10000;
constexpr std::uint32_t kIForestMaxSampleSize = 1u << 20;
// 1 ≤ n_features ≤ kIForestMaxFeatures.
constexpr std::uint32_t kIForestMaxFeatures = 10000;

// Throws InvalidParameter when an option is out of range.
void validate(const IForestOptions &options);

// One node of a flat tree. Internal: feature ≥ 0, rows with x[feature] < split
// go to the left child (the next node), the others to node `right`. Leaf:
// feature = -1, `size` = rows of the subsample that ended there.
struct IForestNode {
    std::int32_t feature;
    std::uint32_t right_or_size;
    double split;
};

struct IForestTree {
    std::uint32_t sample_size;  // psi of this tree (rows it was grown on)
    std::vector<IForestNode> nodes;
};

struct IsolationForest {
    std::uint32_t n_features = 0;
    std::vector<IForestTree> trees;
};

// c(n): 0 for n ≤ 1, 1 for n = 2, else 2(ln(n-1) + γ) - 2(n-1)/n (H(i) ≈ ln i + γ).
double iforest_average_path_length(double n);

// Fits a forest on `n_rows` rows of `n_features` doubles, row-major. Every
// value must be finite (the callers drop other rows); n_rows ≥ 2 (else
// DataError). Tree t draws its subsample and splits from SeededRandom seeded
// with a mix of (seed, t). O(n_trees · psi · log psi).
IsolationForest iforest_fit(const double *rows, std::size_t n_rows, std::size_t n_features,
                            const IForestOptions &options, StopToken &stop);

// Path length of x (n_features values) in one tree.
double iforest_path_length(const IForestTree &tree, const double *x);

// s(x) in [0, 1] as described above; NaN if a value of x is not finite.
double iforest_score(const IsolationForest &forest, const double *x);

// A forest holding the trees of a and then of b; InvalidParameter if their
// n_features differ, or the total exceeds kIForestMaxTrees.
IsolationForest iforest_merge(const IsolationForest &a, const IsolationForest &b);

// The portable byte layout of a model, little-endian:
//   0  4 bytes  magic "AIFM"
//   4  u8       format version (kIForestFormatVersion)
//   5  u8×3     reserved, 0
//   8  u32      n_features
//   12 u32      n_trees
//   16          per tree: u32 sample_size, u32 n_nodes, then n_nodes × 16 bytes
//               {i32 feature, u32 right_or_size, f64 split}
constexpr std::uint8_t kIForestFormatVersion = 1;
std::vector<std::uint8_t> iforest_serialize(const IsolationForest &forest);
// Throws CorruptValue unless bytes hold a well-formed model of this version:
// sizes consistent, every tree a proper pre-order binary tree with at most
// 2·psi - 1 nodes, features in range, split values finite, leaf sizes ≤ psi.
IsolationForest iforest_deserialize(const std::uint8_t *bytes, std::size_t len);

// Checks serialized bytes as iforest_deserialize() does and returns n_features.
std::uint32_t iforest_check_model(const std::uint8_t *bytes, std::size_t len);
// iforest_score() straight from the bytes of a model that passed
// iforest_check_model(): no allocation, for scoring many rows with one model.
double iforest_score_model(const std::uint8_t *bytes, const double *x);

// ---- the causal window scorer ---------------------------------------------

struct IForestWindowOptions {
    // A row is scored by a forest fitted on (at most) the `window` rows before
    // the row at which that forest was fitted.
    std::uint32_t window = 256;
    // A new forest is fitted when refit_every rows have passed since the last
    // fit (and at the first row that has enough history).
    std::uint32_t refit_every = 32;
    IForestOptions forest;
};

// The least number of usable (all-finite) rows in the trailing window needed
// to fit: min(window, kIForestWindowMinRows).
constexpr std::uint32_t kIForestWindowMinRows = 32;
std::uint32_t iforest_window_min_rows(const IForestWindowOptions &options);

// Throws InvalidParameter unless 2 ≤ window ≤ kIForestMaxWindow,
// 1 ≤ refit_every ≤ kIForestMaxWindow and the forest options are valid.
constexpr std::uint32_t kIForestMaxWindow = 1u << 20;
void validate(const IForestWindowOptions &options);

// Scores every row of a row-major matrix causally. Row t gets the score of
// the most recent forest fitted at some row r ≤ t on the rows among
// [r - window, r) whose features are all finite; a forest is (re)fitted at row
// t when there is none yet, or when t - r ≥ refit_every, provided at least
// iforest_window_min_rows() usable rows are in [t - window, t). Result[t] is
// NaN ("no score") while no forest exists or when row t has a non-finite
// feature. Rows after t never change result[t].
std::vector<double> iforest_window_scores(const double *rows, std::size_t n_rows, std::size_t n_features,
                                          const IForestWindowOptions &options, StopToken &stop);

}  // namespace anomaly
