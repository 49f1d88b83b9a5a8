// The plain-language explanation of one ensemble_anomaly row, e.g.
//   revenue 42% below expected 1,230 (range 1,050–1,410) for a Tuesday;
//   forecast interval breached, STL residual −5.1σ
// and the number formatting it uses.
#pragma once

#include "core/ensemble.hpp"
#include "core/no_postgres.hpp"

#include <string>

namespace anomaly {

// Readable numbers: |x| ≥ 100 rounded to an integer with thousands
// separators (1,230), 10 ≤ |x| < 100 with one decimal (42.5), smaller with
// three significant digits (0.0345); negatives with the minus sign U+2212.
std::string format_readable(double x);

// "Monday".."Sunday" of local time t + utc_offset (seconds since 1970).
const char *weekday_name(double t, double utc_offset);

struct ExplanationInput {
    const std::string *name;
    double value;        // NaN: missing
    double ts;           // UTC seconds
    double utc_offset;   // seconds
    double step;         // seconds between points (NaN unknown): "for a Tuesday" on daily data
    int min_points;
    int points;          // finite values up to this row
    const char *event;   // nullptr: none
};

std::string explain(const EnsembleResult &r, const ExplanationInput &in);

}  // namespace anomaly
