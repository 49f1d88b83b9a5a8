// Reading the feature vectors and parameters of the anomaly.iforest_*
// functions. PostgreSQL calls: phases 1 and 3 only (see guard.hpp).
#pragma once

#include "core/isolation_forest.hpp"
#include "pg/float8_arrays.hpp"

#include "pg/pg_includes.hpp"

namespace anomaly_pg {

// A feature vector: a one-dimensional float8[], NULL elements as NaN. Raises
// 22000 for an empty array, and for one longer than the extension's limit.
Float8Vector read_iforest_features(ArrayType *array, const char *function);

// n_trees, sample_size and seed from three argument values; raises 22004 for
// NULL and 22023 for values out of range (checked by the core).
anomaly::IForestOptions iforest_options(bool null_trees, int32 n_trees, bool null_size, int32 sample_size,
                                        bool null_seed, int64 seed, const char *function);

}  // namespace anomaly_pg
