// The state of the anomaly.mad_zscore_last aggregates, as a portable byte
// string: the newest row seen (by key) and the newest lookback + 1 finite
// points, which is all the final score needs. Memory is O(lookback) whatever
// the group size, and two states merge (the newest points of the union), so the
// aggregate can run in parallel workers and on the shards of a distributed
// cluster.
//
// Keys order the rows: the timestamp (microseconds) in the (ts, value) form; a
// row counter in the ORDER BY form, where the input arrives sorted.
//
// Layout, little-endian (the adapter stores it after a varlena header):
//   0  u8   format version (kFormatVersion)
//   1  u8   flags: 1 = has a newest row, 2 = the newest key was seen twice
//   2  u16  reserved, 0
//   4  i32  lookback
//   8  i32  min_history
//   12 u32  count of stored points
//   16 u32  capacity (stored points that fit)
//   20 u32  reserved, 0
//   24 i64  key of the newest row
//   32 f64  value of the newest row (may be NaN or ±∞)
//   40      capacity × {i64 key, f64 value}: a min-heap on (key, value)
#pragma once

#include "core/mad_zscore.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>

namespace anomaly::latest_points {

constexpr std::uint8_t kFormatVersion = 1;
constexpr std::size_t kHeaderSize = 40;
constexpr std::size_t kPointSize = 16;

inline std::size_t bytes_for(std::uint32_t capacity) { return kHeaderSize + kPointSize * capacity; }

// Points a state needs to hold at most: lookback + 1 (the newest row is one).
std::uint32_t max_points(const MadZscoreParams &params);
// A good first capacity for a new state.
std::uint32_t initial_capacity(const MadZscoreParams &params);

// Writes an empty state of `capacity` points into buf (bytes_for(capacity) bytes).
void init(std::uint8_t *buf, std::uint32_t capacity, const MadZscoreParams &params);

// Throws CorruptValue unless buf (len bytes) is a state of this format.
void check(const std::uint8_t *buf, std::size_t len);

MadZscoreParams params(const std::uint8_t *buf);
bool has_newest(const std::uint8_t *buf);
std::int64_t newest_key(const std::uint8_t *buf);

// The capacity the state must grow to before the next add(), or 0 when it has
// room (a full state of max_points() never grows: add() replaces its oldest).
std::uint32_t capacity_needed(const std::uint8_t *buf);

// Copies the points of `from` into `to`, an init()ed state with enough capacity.
void copy(const std::uint8_t *from, std::uint8_t *to);

// Adds one row. Requires capacity_needed(buf) == 0.
void add(std::uint8_t *buf, std::int64_t key, double value);

// Capacity of the merge of a and b (to size the output buffer).
std::uint32_t merged_capacity(const std::uint8_t *a, const std::uint8_t *b);
// out = the state of the rows of a and b together; out must have been init()ed
// with merged_capacity(a, b). Throws InvalidParameter if the parameters differ.
void merge(const std::uint8_t *a, const std::uint8_t *b, std::uint8_t *out);

struct FinalScore {
    enum class Kind { score, no_score, duplicate_newest } kind;
    double score;          // for Kind::score
    std::int64_t key;      // the newest key, for Kind::duplicate_newest
};
// The modified z-score of the newest row against the points before it, with
// the semantics of mad_zscore_last() in mad_zscore.hpp.
FinalScore final_score(const std::uint8_t *buf);

}  // namespace anomaly::latest_points
