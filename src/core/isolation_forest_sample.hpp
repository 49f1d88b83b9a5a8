// The state of the anomaly.iforest_fit aggregate: a bounded random sample of
// the group's rows that does not depend on row order nor on how the rows were
// split between parallel workers or shards, so that every plan fits the same
// model, byte for byte.
//
// The sample is a bottom-k sample: each usable row (all features finite) gets
// a 64-bit hash of its content mixed with the seed, and the state keeps the k
// rows with the smallest (hash, content); -0.0 is stored as 0.0. Rows are a
// uniform sample without replacement (identical rows share a hash, so they
// enter or leave together). Two states merge exactly: the k smallest of their
// union. k = pool_rows(): every row while the group has at most
// n_trees · sample_size rows (capped at kIForestMaxPoolRows), so small and
// medium groups are fitted on all their rows, like scikit-learn.
//
// Layout, little-endian (the adapter stores it after a varlena header):
//   0  4 bytes  magic "AIFS"
//   4  u8       format version (kIForestSampleVersion)
//   5  u8×3     reserved, 0
//   8  u32      n_trees
//   12 u32      sample_size
//   16 u64      seed
//   24 u32      n_features
//   28 u32      k: most rows kept
//   32 u32      capacity: rows that fit in this buffer (≤ k)
//   36 u32      count: rows held
//   40          capacity × {u64 hash, n_features × f64}: a max-heap on (hash, content)
#pragma once

#include "core/cancellation.hpp"
#include "core/isolation_forest.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anomaly::iforest_sample {

constexpr std::uint8_t kIForestSampleVersion = 1;
constexpr std::size_t kHeaderSize = 40;
constexpr std::uint32_t kIForestMaxPoolRows = 1u << 16;

// k for these options.
std::uint32_t pool_rows(const IForestOptions &options);

// Bytes of a state holding `capacity` rows of n_features. Throws
// std::length_error (SQLSTATE 54000) when the full pool, or the largest model
// these options can produce, would not fit in `max_bytes`; InvalidParameter
// for bad options or n_features.
std::size_t bytes_for(std::uint32_t capacity, std::uint32_t n_features);
void check_limits(const IForestOptions &options, std::uint32_t n_features, std::size_t max_bytes);

// A good first capacity.
std::uint32_t initial_capacity(const IForestOptions &options);

// Writes an empty state of `capacity` rows into buf (bytes_for(capacity, n_features) bytes).
void init(std::uint8_t *buf, std::uint32_t capacity, const IForestOptions &options, std::uint32_t n_features);

// Throws CorruptValue unless buf (len bytes) is a state of this format:
// check_header() in O(1) (enough for memory safety), check() also reads every value.
void check_header(const std::uint8_t *buf, std::size_t len);
void check(const std::uint8_t *buf, std::size_t len);

IForestOptions options(const std::uint8_t *buf);
std::uint32_t n_features(const std::uint8_t *buf);
std::uint32_t count(const std::uint8_t *buf);

// The capacity the state must grow to before the next add(), 0 if it has room.
std::uint32_t capacity_needed(const std::uint8_t *buf);

// Copies the rows of `from` into `to`, an init()ed state with enough capacity.
void copy(const std::uint8_t *from, std::uint8_t *to);

// Offers one row of n_features finite values. Requires capacity_needed() == 0.
void add(std::uint8_t *buf, const double *row);

// Whether every value of row[0..n) is finite (rows that are not are skipped).
bool usable(const double *row, std::size_t n);

// Capacity of the merge of a and b. Throws InvalidParameter if their options
// differ, DataError if their n_features differ.
std::uint32_t merged_capacity(const std::uint8_t *a, const std::uint8_t *b);
// out = the sample of the rows of a and b together; out init()ed with merged_capacity(a, b).
void merge(const std::uint8_t *a, const std::uint8_t *b, std::uint8_t *out, StopToken &stop);

// The sampled rows in canonical order (ascending hash, then content), row-major.
std::vector<double> sorted_rows(const std::uint8_t *buf, StopToken &stop);

// The model of the state: iforest_fit() on sorted_rows(), serialized. Empty
// when fewer than 2 rows were sampled (the aggregate returns NULL then).
std::vector<std::uint8_t> fit_model(const std::uint8_t *buf, StopToken &stop);

// An upper bound of fit_model(buf).size(), to size the result buffer.
std::size_t max_model_bytes(const std::uint8_t *buf);
// fit_model() written into out (max_model_bytes(buf) bytes); returns its length.
std::size_t fit_model_into(const std::uint8_t *buf, std::uint8_t *out, StopToken &stop);

}  // namespace anomaly::iforest_sample
