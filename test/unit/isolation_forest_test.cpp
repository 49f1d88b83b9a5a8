#include "core/isolation_forest.hpp"

#include "core/errors.hpp"
#include "core/seeded_random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kGoldenModelSize = 350608;
constexpr std::uint64_t kGoldenModelHash = 10532740396047843410ULL;

// ---- helpers ----------------------------------------------------------------

struct Dataset {
    std::size_t d = 0;
    std::vector<double> x;  // row-major
    std::vector<int> label;
    std::vector<double> sklearn_score;  // mean over the fixture's sklearn forests
    std::size_t rows() const { return label.size(); }
};

std::string fixture_dir() {
    const std::string here = __FILE__;
    return here.substr(0, here.find_last_of('/')) + "/../fixtures/iforest/";
}

std::vector<std::vector<std::string>> read_csv(const std::string &file) {
    std::ifstream in(fixture_dir() + file);
    EXPECT_TRUE(in.good()) << "cannot open fixture " << fixture_dir() + file;
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

Dataset read_dataset(const std::string &name) {
    const auto rows = read_csv(name + ".csv");
    Dataset ds;
    ds.d = rows.at(0).size() - 2;  // label, sklearn_score, x1..xd
    for (std::size_t i = 1; i < rows.size(); ++i) {
        ds.label.push_back(std::stoi(rows[i][0]));
        ds.sklearn_score.push_back(std::stod(rows[i][1]));
        for (std::size_t j = 2; j < ds.d + 2; ++j) ds.x.push_back(std::stod(rows[i][j]));
    }
    return ds;
}

// ROC AUC of `score` for the positive label, ties counted one half.
double roc_auc(const std::vector<double> &score, const std::vector<int> &label) {
    double pairs = 0.0, wins = 0.0;
    for (std::size_t i = 0; i < score.size(); ++i) {
        if (label[i] != 1) continue;
        for (std::size_t j = 0; j < score.size(); ++j) {
            if (label[j] != 0) continue;
            pairs += 1.0;
            wins += score[i] > score[j] ? 1.0 : score[i] == score[j] ? 0.5 : 0.0;
        }
    }
    return wins / pairs;
}

IsolationForest fit(const std::vector<double> &x, std::size_t d, IForestOptions o = {}) {
    StopToken stop;
    return iforest_fit(x.data(), x.size() / d, d, o, stop);
}

// A small 2-d data set: a gaussian-ish cloud from our own RNG and one far point.
std::vector<double> cloud(std::size_t n, std::uint64_t seed) {
    SeededRandom rng(seed);
    std::vector<double> x;
    for (std::size_t i = 0; i < n; ++i) {
        // Sum of uniforms: roughly normal, mean 0.
        for (int f = 0; f < 2; ++f) x.push_back(rng.uniform_open() + rng.uniform_open() + rng.uniform_open() - 1.5);
    }
    return x;
}

// ---- RNG ------------------------------------------------------------------------

TEST(SeededRandom, MatchesTheReferenceAlgorithms) {
    // splitmix64 from state 0: the first output published with the algorithm.
    std::uint64_t s = 0;
    EXPECT_EQ(splitmix64(s), 0xe220a8397b1dcdafULL);
    // xoshiro256** seeded by splitmix64(0): values from an independent Python
    // implementation of the published reference code.
    SeededRandom rng(0);
    EXPECT_EQ(rng.next(), 0x99ec5f36cb75f2b4ULL);
    EXPECT_EQ(rng.next(), 0xbf6e1f784956452aULL);
    EXPECT_EQ(rng.next(), 0x1a5f849d4933e6e0ULL);
}

TEST(SeededRandom, BoundedAndOpenIntervals) {
    SeededRandom rng(7);
    std::vector<int> counts(5, 0);
    for (int i = 0; i < 50000; ++i) {
        const double u = rng.uniform_open();
        ASSERT_GT(u, 0.0);
        ASSERT_LT(u, 1.0);
        const std::uint64_t k = rng.below(5);
        ASSERT_LT(k, 5u);
        ++counts[k];
    }
    for (int c : counts) EXPECT_NEAR(c, 10000, 400);  // > 4 sigma
}

// ---- c(n) and known answers ---------------------------------------------------------

TEST(IsolationForest, AveragePathLengthByHand) {
    EXPECT_EQ(iforest_average_path_length(0), 0.0);
    EXPECT_EQ(iforest_average_path_length(1), 0.0);
    EXPECT_EQ(iforest_average_path_length(2), 1.0);
    // 2(ln(n-1) + 0.5772156649) - 2(n-1)/n
    EXPECT_NEAR(iforest_average_path_length(3), 2 * (std::log(2.0) + 0.5772156649015329) - 4.0 / 3, 1e-15);
    EXPECT_NEAR(iforest_average_path_length(3), 1.207392357589623, 1e-12);
    EXPECT_NEAR(iforest_average_path_length(4), 1.8516559071392855, 1e-12);
    EXPECT_NEAR(iforest_average_path_length(256), 10.244770920119917, 1e-12);
}

TEST(IsolationForest, TwoRowsScoreOneHalfEverywhere) {
    // psi = 2: height limit 1, so every x ends at depth 1 in a leaf of one row
    // (h = 1 = c(2)), or, for two equal rows, in the root leaf of size 2 (h = c(2) = 1).
    for (const std::vector<double> &x : {std::vector<double>{3.0, 5.0}, std::vector<double>{4.0, 4.0}}) {
        const IsolationForest f = fit(x, 1);
        EXPECT_EQ(f.trees.size(), 100u);
        for (double probe : {-100.0, 3.0, 4.0, 5.0, 1e9}) EXPECT_DOUBLE_EQ(iforest_score(f, &probe), 0.5);
    }
}

TEST(IsolationForest, FourRowsWithATieByHand) {
    // Rows {0, 0, 0, 1}: every root split lies in (0, 1); left = {0,0,0}, all
    // equal, a leaf of size 3 at depth 1; right = {1}, a leaf at depth 1.
    // s(1) = 2^(-1/c(4)), s(0) = 2^(-(1 + c(3))/c(4)), whatever the seed.
    const std::vector<double> x{0, 0, 0, 1};
    for (std::uint64_t seed : {1u, 42u, 99u}) {
        IForestOptions o;
        o.seed = seed;
        const IsolationForest f = fit(x, 1, o);
        const double one = 1.0, zero = 0.0, far = 7.0;
        EXPECT_NEAR(iforest_score(f, &one), 0.6877436677788327, 1e-12);
        EXPECT_NEAR(iforest_score(f, &zero), 0.4376598631629993, 1e-12);
        EXPECT_NEAR(iforest_score(f, &far), 0.6877436677788327, 1e-12);
    }
}

// Depth of every leaf of a pre-order tree, and the rows its leaves hold.
void leaf_depths(const IForestTree &t, std::uint32_t node, std::uint32_t depth, std::vector<std::uint32_t> &out,
                 std::uint64_t &rows) {
    const IForestNode &n = t.nodes[node];
    if (n.feature < 0) {
        out.push_back(depth);
        rows += n.right_or_size;
        return;
    }
    leaf_depths(t, node + 1, depth + 1, out, rows);
    leaf_depths(t, n.right_or_size, depth + 1, out, rows);
}

TEST(IsolationForest, TreesRespectTheHeightLimitAndSampleSize) {
    const std::vector<double> x = cloud(1000, 3);
    IForestOptions o;
    o.n_trees = 20;
    o.sample_size = 100;  // limit ceil(log2(100)) = 7
    const IsolationForest f = fit(x, 2, o);
    for (const IForestTree &t : f.trees) {
        EXPECT_EQ(t.sample_size, 100u);
        EXPECT_LE(t.nodes.size(), 199u);
        std::vector<std::uint32_t> depths;
        std::uint64_t rows = 0;
        leaf_depths(t, 0, 0, depths, rows);
        EXPECT_EQ(rows, 100u);  // every sampled row ends in exactly one leaf
        EXPECT_EQ(depths.size() * 2 - 1, t.nodes.size());
        // 100 distinct points cannot all be isolated within 6 cuts: some
        // leaves reach the limit, none goes beyond it.
        EXPECT_EQ(*std::max_element(depths.begin(), depths.end()), 7u);
    }
    // Fewer rows than sample_size: psi = rows, limit ceil(log2(50)) = 6.
    const IsolationForest small = fit(cloud(50, 4), 2, o);
    EXPECT_EQ(small.trees[0].sample_size, 50u);
    std::vector<std::uint32_t> depths;
    std::uint64_t rows = 0;
    leaf_depths(small.trees[0], 0, 0, depths, rows);
    EXPECT_EQ(*std::max_element(depths.begin(), depths.end()), 6u);
}

TEST(IsolationForest, FarPointScoresHighCentreLow) {
    const IsolationForest f = fit(cloud(500, 11), 2);
    const double centre[2] = {0.0, 0.0}, far[2] = {4.0, -4.0};
    EXPECT_LT(iforest_score(f, centre), 0.45);
    EXPECT_GT(iforest_score(f, far), 0.65);
    const double bad[2] = {kNaN, 0.0}, inf[2] = {0.0, kInf};
    EXPECT_TRUE(std::isnan(iforest_score(f, bad)));
    EXPECT_TRUE(std::isnan(iforest_score(f, inf)));
}

TEST(IsolationForest, DeterministicForASeed) {
    const std::vector<double> x = cloud(300, 8);
    IForestOptions a, b;
    b.seed = 43;
    EXPECT_EQ(iforest_serialize(fit(x, 2, a)), iforest_serialize(fit(x, 2, a)));
    EXPECT_NE(iforest_serialize(fit(x, 2, a)), iforest_serialize(fit(x, 2, b)));
}

// FNV-1a of the model bytes fitted on a fixed data set. The model must be the
// same on every platform and in every later version of this format: if this
// changes, models stored by users would no longer match newly fitted ones, so
// the format version must be bumped.
TEST(IsolationForest, ModelBytesAreStableAcrossBuildsAndPlatforms) {
    std::vector<double> x;
    for (int i = 0; i < 500; ++i) {
        x.push_back(((i * 37) % 101) * 0.25);  // exact values: no libm in the input
        x.push_back(static_cast<double>(i % 17));
    }
    const std::vector<std::uint8_t> b = iforest_serialize(fit(x, 2));
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::uint8_t c : b) h = (h ^ c) * 0x100000001b3ULL;
    EXPECT_EQ(b.size(), kGoldenModelSize);
    EXPECT_EQ(h, kGoldenModelHash);
}

TEST(IsolationForest, RejectsBadOptionsAndData) {
    const std::vector<double> x = cloud(10, 1);
    IForestOptions o;
    o.n_trees = 0;
    EXPECT_THROW(fit(x, 2, o), InvalidParameter);
    o.n_trees = kIForestMaxTrees + 1;
    EXPECT_THROW(fit(x, 2, o), InvalidParameter);
    o = {};
    o.sample_size = 1;
    EXPECT_THROW(fit(x, 2, o), InvalidParameter);
    o.sample_size = kIForestMaxSampleSize + 1;
    EXPECT_THROW(fit(x, 2, o), InvalidParameter);
    EXPECT_THROW(fit({1.0}, 1), DataError);
    StopToken stop;
    EXPECT_THROW(iforest_fit(x.data(), 5, 0, {}, stop), InvalidParameter);
}

TEST(IsolationForest, FitIsCancellable) {
    const std::vector<double> x = cloud(2000, 1);
    StopToken stop([] { return true; });
    EXPECT_THROW(iforest_fit(x.data(), 2000, 2, {}, stop), Interrupted);
}

// ---- serialization ----------------------------------------------------------------------

TEST(IsolationForest, SerializationRoundTrip) {
    const std::vector<double> x = cloud(300, 21);
    const IsolationForest f = fit(x, 2);
    const std::vector<std::uint8_t> bytes = iforest_serialize(f);
    EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "AIFM");
    EXPECT_EQ(bytes[4], kIForestFormatVersion);
    const IsolationForest g = iforest_deserialize(bytes.data(), bytes.size());
    EXPECT_EQ(iforest_serialize(g), bytes);
    for (std::size_t i = 0; i < 300; i += 7) EXPECT_EQ(iforest_score(f, &x[2 * i]), iforest_score(g, &x[2 * i]));
}

TEST(IsolationForest, LayoutIsLittleEndianAsDocumented) {
    const IsolationForest f = fit({0, 0, 0, 1}, 1);
    const std::vector<std::uint8_t> b = iforest_serialize(f);
    // n_features = 1, n_trees = 100, first tree psi = 4 with 3 nodes.
    EXPECT_EQ(b[8], 1);
    EXPECT_EQ(b[9] | b[10] | b[11], 0);
    EXPECT_EQ(b[12], 100);
    EXPECT_EQ(b[16], 4);
    EXPECT_EQ(b[20], 3);
    EXPECT_EQ(b.size(), 16u + 100u * (8u + 3u * 16u));
    // Root: feature 0, right child at node 2.
    EXPECT_EQ(b[24], 0);
    EXPECT_EQ(b[28], 2);
    // Left leaf: feature -1 (ff ff ff ff), size 3.
    EXPECT_EQ(b[40], 0xff);
    EXPECT_EQ(b[44], 3);
}

class CorruptModel : public ::testing::Test {
protected:
    std::vector<std::uint8_t> good = iforest_serialize(fit(cloud(40, 2), 2, small()));
    static IForestOptions small() {
        IForestOptions o;
        o.n_trees = 3;
        o.sample_size = 16;
        return o;
    }
    void expect_rejected(const std::vector<std::uint8_t> &b) {
        EXPECT_THROW(iforest_deserialize(b.data(), b.size()), CorruptValue);
    }
};

TEST_F(CorruptModel, BadHeaderTruncatedOrTrailing) {
    auto b = good;
    b[0] = 'X';
    expect_rejected(b);
    b = good;
    b[4] = 2;  // unknown version
    expect_rejected(b);
    b = good;
    b[8] = 0;  // zero features
    expect_rejected(b);
    for (std::size_t len : {std::size_t{0}, std::size_t{3}, std::size_t{15}, std::size_t{20}, good.size() - 1})
        expect_rejected(std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<long>(len)));
    b = good;
    b.push_back(0);
    expect_rejected(b);
}

TEST_F(CorruptModel, BadNodes) {
    // The root of the first tree is internal (40 distinct rows): its fields
    // start at byte 24.
    auto b = good;
    b[24] = 2;  // feature 2 of a 2-feature model
    expect_rejected(b);
    b = good;
    b[28] = 1;  // right child = left child
    b[29] = b[30] = b[31] = 0;
    expect_rejected(b);
    b = good;
    b[28] = b[29] = b[30] = b[31] = 0xff;  // right child out of range
    expect_rejected(b);
    b = good;
    for (int i = 32; i < 40; ++i) b[i] = 0xff;  // split = NaN
    expect_rejected(b);
}

TEST_F(CorruptModel, EverySingleByteChangeIsRejectedOrHarmless) {
    // Whatever one byte becomes, decoding either throws CorruptValue or gives
    // a model that scores without reading out of bounds.
    const double probe[2] = {0.1, -0.2};
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (std::uint8_t v : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
            auto b = good;
            b[i] = v;
            try {
                const IsolationForest f = iforest_deserialize(b.data(), b.size());
                const double s = iforest_score(f, probe);
                EXPECT_TRUE(s >= 0.0 && s <= 1.0) << "byte " << i;
            } catch (const CorruptValue &) {
            }
        }
    }
}

// ---- merge ----------------------------------------------------------------------------

TEST(IsolationForest, MergeIsAForestOfBothForests) {
    IForestOptions oa, ob;
    oa.n_trees = 30;
    ob.n_trees = 70;
    ob.sample_size = 64;
    ob.seed = 7;
    const IsolationForest a = fit(cloud(400, 1), 2, oa);
    const IsolationForest b = fit(cloud(400, 2), 2, ob);
    const IsolationForest m = iforest_merge(a, b);
    ASSERT_EQ(m.trees.size(), 100u);
    EXPECT_EQ(m.trees[0].sample_size, 256u);
    EXPECT_EQ(m.trees[99].sample_size, 64u);
    // -log2 s is the mean normalised path length, so the merged value is the
    // tree-count-weighted mean of both.
    for (const auto &p : {std::vector<double>{0, 0}, std::vector<double>{2.5, -1}, std::vector<double>{9, 9}}) {
        const double la = -std::log2(iforest_score(a, p.data())), lb = -std::log2(iforest_score(b, p.data()));
        EXPECT_NEAR(-std::log2(iforest_score(m, p.data())), (30 * la + 70 * lb) / 100, 1e-12);
    }
    const std::vector<std::uint8_t> bytes = iforest_serialize(m);
    EXPECT_EQ(iforest_serialize(iforest_deserialize(bytes.data(), bytes.size())), bytes);
    const IsolationForest three = fit({1, 2, 3, 4, 5, 6}, 3);
    EXPECT_THROW(iforest_merge(a, three), InvalidParameter);
}

// ---- agreement with scikit-learn ---------------------------------------------------------------

// Scores averaged over 10 forests of 100 trees: each mean has a standard
// error of a few thousandths, so honest agreement stays well inside these.
constexpr double kScoreMeanTolerance = 0.006;
constexpr double kScoreMaxTolerance = 0.03;
constexpr double kScoreBiasTolerance = 0.003;

TEST(IsolationForest, RocAucWithinTwoHundredthsOfScikitLearn) {
    const auto cases = read_csv("cases.csv");
    ASSERT_GE(cases.size(), 6u);
    const auto &head = cases[0];
    auto col = [&](const char *name) {
        return static_cast<std::size_t>(std::find(head.begin(), head.end(), name) - head.begin());
    };
    for (std::size_t c = 1; c < cases.size(); ++c) {
        const auto &row = cases[c];
        const Dataset ds = read_dataset(row[col("name")]);
        ASSERT_EQ(ds.d, std::stoul(row[col("n_features")]));
        ASSERT_EQ(ds.rows(), std::stoul(row[col("n_rows")]));
        IForestOptions o;
        o.n_trees = static_cast<std::uint32_t>(std::stoul(row[col("n_trees")]));
        o.sample_size = static_cast<std::uint32_t>(std::stoul(row[col("sample_size")]));
        const int n_seeds = std::stoi(row[col("n_seeds")]);
        double sum = 0.0;
        std::vector<double> mean_score(ds.rows(), 0.0);
        for (int seed = 0; seed < n_seeds; ++seed) {
            o.seed = static_cast<std::uint64_t>(seed);
            const IsolationForest f = fit(ds.x, ds.d, o);
            std::vector<double> s(ds.rows());
            for (std::size_t i = 0; i < ds.rows(); ++i) {
                s[i] = iforest_score(f, &ds.x[i * ds.d]);
                mean_score[i] += s[i] / n_seeds;
            }
            sum += roc_auc(s, ds.label);
        }
        const double ours = sum / n_seeds, theirs = std::stod(row[col("sklearn_auc_mean")]);
        // Row by row: our mean score against sklearn's (both over n_seeds forests).
        double abs_sum = 0.0, abs_max = 0.0, bias = 0.0;
        for (std::size_t i = 0; i < ds.rows(); ++i) {
            const double diff = mean_score[i] - ds.sklearn_score[i];
            abs_sum += std::fabs(diff);
            abs_max = std::max(abs_max, std::fabs(diff));
            bias += diff;
        }
        const double n = static_cast<double>(ds.rows());
        std::printf("[ iforest ] %-12s AUC ours %.4f sklearn %.4f diff %+.4f | score diff mean %+.4f mean|.| %.4f "
                    "max|.| %.4f\n",
                    row[0].c_str(), ours, theirs, ours - theirs, bias / n, abs_sum / n, abs_max);
        EXPECT_NEAR(ours, theirs, 0.02) << row[0];
        EXPECT_LT(abs_sum / n, kScoreMeanTolerance) << row[0];
        EXPECT_LT(abs_max, kScoreMaxTolerance) << row[0];
        EXPECT_LT(std::fabs(bias / n), kScoreBiasTolerance) << row[0];
    }
}

// ---- window ----------------------------------------------------------------------------------

std::vector<double> window_scores(const std::vector<double> &x, std::size_t d, const IForestWindowOptions &o) {
    StopToken stop;
    return iforest_window_scores(x.data(), x.size() / d, d, o, stop);
}

TEST(IsolationForestWindow, WarmUpThenScores) {
    IForestWindowOptions o;
    o.window = 64;
    o.refit_every = 8;
    o.forest.n_trees = 20;
    const std::vector<double> x = cloud(200, 5);
    const std::vector<double> s = window_scores(x, 2, o);
    ASSERT_EQ(s.size(), 200u);
    EXPECT_EQ(iforest_window_min_rows(o), 32u);
    for (std::size_t t = 0; t < 32; ++t) EXPECT_TRUE(std::isnan(s[t])) << t;
    for (std::size_t t = 32; t < 200; ++t) EXPECT_TRUE(s[t] > 0.0 && s[t] < 1.0) << t;
    // Row 32 is scored by a forest fitted on rows 0..31 exactly.
    StopToken stop;
    const IsolationForest f = iforest_fit(x.data(), 32, 2, o.forest, stop);
    EXPECT_EQ(s[32], iforest_score(f, &x[64]));
    EXPECT_EQ(s[39], iforest_score(f, &x[78]));
    // Row 40 (8 rows later) by a forest refitted on rows 0..39, row 100 by one on rows 32..95 (fit at 96).
    const IsolationForest g = iforest_fit(x.data(), 40, 2, o.forest, stop);
    EXPECT_EQ(s[40], iforest_score(g, &x[80]));
    const IsolationForest h = iforest_fit(x.data() + 2 * 32, 64, 2, o.forest, stop);
    EXPECT_EQ(s[100], iforest_score(h, &x[200]));
}

TEST(IsolationForestWindow, IsCausal) {
    IForestWindowOptions o;
    o.window = 50;
    o.refit_every = 7;
    o.forest.n_trees = 10;
    std::vector<double> x = cloud(150, 9);
    const std::vector<double> full = window_scores(x, 2, o);
    for (std::size_t n : {40u, 77u, 121u}) {
        std::vector<double> prefix(x.begin(), x.begin() + static_cast<long>(2 * n));
        const std::vector<double> s = window_scores(prefix, 2, o);
        for (std::size_t t = 0; t < n; ++t)
            EXPECT_TRUE(s[t] == full[t] || (std::isnan(s[t]) && std::isnan(full[t]))) << t;
    }
    // Changing row 100 changes nothing before it.
    x[2 * 100] = 1e6;
    const std::vector<double> changed = window_scores(x, 2, o);
    for (std::size_t t = 0; t < 100; ++t)
        EXPECT_TRUE(changed[t] == full[t] || (std::isnan(changed[t]) && std::isnan(full[t]))) << t;
}

TEST(IsolationForestWindow, NonFiniteRowsAreNotScoredNorTrainedOn) {
    IForestWindowOptions o;
    o.window = 40;
    o.refit_every = 5;
    o.forest.n_trees = 10;
    std::vector<double> x = cloud(120, 4);
    x[2 * 10] = kNaN;
    x[2 * 50 + 1] = kInf;
    x[2 * 51] = -kInf;
    const std::vector<double> s = window_scores(x, 2, o);
    EXPECT_TRUE(std::isnan(s[50]));
    EXPECT_TRUE(std::isnan(s[51]));
    // 32 usable rows first exist at row 33 (row 10 is unusable).
    EXPECT_TRUE(std::isnan(s[32]));
    EXPECT_FALSE(std::isnan(s[33]));
    // A spike after the warm-up scores higher than the rows around it.
    x[2 * 100] = 8.0;
    x[2 * 100 + 1] = -8.0;
    const std::vector<double> t = window_scores(x, 2, o);
    for (std::size_t r = 90; r < 110; ++r) {
        if (r == 100) continue;
        EXPECT_LT(t[r], t[100]) << r;
    }
}

TEST(IsolationForestWindow, RejectsBadOptions) {
    const std::vector<double> x = cloud(10, 1);
    IForestWindowOptions o;
    o.window = 1;
    EXPECT_THROW(window_scores(x, 2, o), InvalidParameter);
    o = {};
    o.refit_every = 0;
    EXPECT_THROW(window_scores(x, 2, o), InvalidParameter);
    o = {};
    o.forest.sample_size = 0;
    EXPECT_THROW(window_scores(x, 2, o), InvalidParameter);
    // A tiny window: min rows = window.
    o = {};
    o.window = 3;
    o.forest.n_trees = 5;
    const std::vector<double> s = window_scores(x, 2, o);
    EXPECT_TRUE(std::isnan(s[2]));
    EXPECT_FALSE(std::isnan(s[3]));
}

}  // namespace
}  // namespace anomaly

namespace anomaly {
namespace {

TEST(IsolationForest, ScoringFromBytesEqualsScoringTheForest) {
    const std::vector<double> x = cloud(300, 31);
    const IsolationForest a = fit(x, 2);
    IForestOptions o;
    o.sample_size = 32;
    o.n_trees = 10;
    const IsolationForest m = iforest_merge(a, fit(x, 2, o));  // two psi values
    for (const IsolationForest *f : {&a, &m}) {
        const std::vector<std::uint8_t> b = iforest_serialize(*f);
        EXPECT_EQ(iforest_check_model(b.data(), b.size()), 2u);
        for (std::size_t i = 0; i < 300; i += 3)
            EXPECT_EQ(iforest_score_model(b.data(), &x[2 * i]), iforest_score(*f, &x[2 * i]));
        const double bad[2] = {1.0, kNaN};
        EXPECT_TRUE(std::isnan(iforest_score_model(b.data(), bad)));
    }
}

}  // namespace
}  // namespace anomaly
