// float8[] <-> plain C buffers, with NULL elements as NaN. PostgreSQL calls:
// use only in phases 1 and 3 of an entry point (see guard.hpp).
#pragma once

#include "pg/pg_includes.hpp"

namespace anomaly_pg {

// A one-dimensional float8 array read into a palloc'd buffer; NULL elements
// become NaN. An empty array gives n = 0. Errors for other shapes/types.
struct Float8Vector {
    double *values;
    int n;
    int lower_bound;
};
Float8Vector read_float8_array(ArrayType *array, const char *function, const char *argument);

// A float8[] of n elements with the given lower bound; NaN elements become NULL.
ArrayType *make_float8_array_nan_as_null(const double *values, int n, int lower_bound);

}  // namespace anomaly_pg
