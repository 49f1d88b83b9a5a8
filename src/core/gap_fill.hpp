// The regular grid ensemble_anomaly works on: rows placed on slots of the
// series' step, missing slots inserted, short gaps filled.
//
// Step: `step` seconds when given (> 0); otherwise, at each row, the median of
// the gaps between the (at most kStepGaps) previous consecutive rows, or the
// row's own gap for the second row. A gap of g seconds before a row at step s
// holds round(g / s) − 1 missing slots. Everything is decided left to right
// from the rows up to the current one, so the grid up to a row never depends
// on later rows (causal).
//
// Filling: a run of missing slots (inserted, or rows whose value is NULL, NaN
// or ±Infinity) between two finite values is forward-filled when it is at most
// kMaxForwardFill slots long, linearly interpolated when at most
// kMaxInterpolate, and left missing (NaN) otherwise; a run with no finite
// value after it stays missing. The filled values of a run are only used by
// the slots after it, which come after the finite value that closes it.
//
// Very long gaps: more than kMaxGapSlots missing slots are shortened to
// kMaxGapSlots + (missing mod kMaxGapSlots) slots, which keeps the phase of
// every seasonal period that divides kMaxGapSlots (7, 12, 24, 52, 168...) and
// bounds the grid to about kMaxGapSlots·2 slots per row.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anomaly {

constexpr std::size_t kMaxForwardFill = 2;
constexpr std::size_t kMaxInterpolate = 5;
constexpr std::size_t kStepGaps = 30;
constexpr std::size_t kMaxGapSlots = 2184;  // lcm(7, 12, 24, 52, 168)

enum class SlotKind : std::uint8_t {
    real,     // a row with a finite value
    invalid,  // a row whose value is NULL, NaN or ±Infinity
    gap,      // no row at this time
};

struct SlotSeries {
    std::vector<double> values;       // per slot: the real value, a filled value, or NaN
    std::vector<SlotKind> kinds;      // per slot
    std::vector<std::size_t> row_slot;  // per sorted row: its slot
};

// The rows of ts[0..n) that have a time (not NaN), in time order (stable).
// Two rows with the same time are a DataError naming it.
std::vector<std::size_t> rows_in_time_order(const double *ts, std::size_t n);

// ts: ascending, finite and distinct (rows_in_time_order); values:
// NaN/±Inf for missing. step ≤ 0 or NaN: inferred as above.
SlotSeries build_slot_series(const double *ts, const double *values, std::size_t n, double step, StopToken &stop);

// Fills runs of NaN in values (as described above), in place.
void fill_short_gaps(std::vector<double> &values);

// The median gap of the first min(n − 1, kStepGaps) gaps of ascending ts; NaN
// for fewer than two rows.
double typical_step(const double *ts, std::size_t n);

}  // namespace anomaly
