#include "pg/iforest_features.hpp"

#include "pg/guard.hpp"

namespace anomaly_pg {

Float8Vector read_iforest_features(ArrayType *array, const char *function) {
    Float8Vector v = read_float8_array(array, function, "features");
    if (v.n == 0)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("%s: features must not be an empty array", function),
                        errhint("Pass NULL to leave a row out.")));
    if (static_cast<uint32>(v.n) > anomaly::kIForestMaxFeatures)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("%s: at most %u features are supported, got %d", function,
                               anomaly::kIForestMaxFeatures, v.n)));
    return v;
}

anomaly::IForestOptions iforest_options(bool null_trees, int32 n_trees, bool null_size, int32 sample_size,
                                        bool null_seed, int64 seed, const char *function) {
    if (null_trees || null_size || null_seed)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("%s: n_trees, sample_size and seed must not be NULL", function)));
    if (n_trees < 1 || sample_size < 2)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: n_trees must be at least 1 and sample_size at least 2, got %d and %d", function,
                               n_trees, sample_size)));
    anomaly::IForestOptions o;
    o.n_trees = static_cast<std::uint32_t>(n_trees);
    o.sample_size = static_cast<std::uint32_t>(sample_size);
    o.seed = static_cast<std::uint64_t>(seed);
    run_core(function, [&](anomaly::StopToken &) { anomaly::validate(o); });
    return o;
}

}  // namespace anomaly_pg
