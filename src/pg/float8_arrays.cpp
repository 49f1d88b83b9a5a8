#include "pg/float8_arrays.hpp"

namespace anomaly_pg {

Float8Vector read_float8_array(ArrayType *array, const char *function, const char *argument) {
    if (ARR_ELEMTYPE(array) != FLOAT8OID)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("%s: %s must be a float8[]", function, argument)));
    Float8Vector out{nullptr, 0, 1};
    if (ARR_NDIM(array) == 0) return out;
    if (ARR_NDIM(array) != 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                        errmsg("%s: %s must be one-dimensional, got %d dimensions", function, argument,
                               ARR_NDIM(array))));
    out.n = ARR_DIMS(array)[0];
    out.lower_bound = ARR_LBOUND(array)[0];
    out.values = static_cast<double *>(palloc_extended(sizeof(double) * static_cast<Size>(out.n) + 1,
                                                       MCXT_ALLOC_HUGE));
    const bits8 *nulls = ARR_NULLBITMAP(array);
    const char *data = ARR_DATA_PTR(array);
    for (int i = 0; i < out.n; ++i) {
        if (nulls != nullptr && (nulls[i / 8] & (1 << (i % 8))) == 0) {
            out.values[i] = NAN;
        } else {
            std::memcpy(&out.values[i], data, sizeof(double));
            data += sizeof(double);
        }
    }
    return out;
}

ArrayType *make_float8_array_nan_as_null(const double *values, int n, int lower_bound) {
    if (n == 0) return construct_empty_array(FLOAT8OID);
    Datum *datums = static_cast<Datum *>(palloc_extended(sizeof(Datum) * static_cast<Size>(n), MCXT_ALLOC_HUGE));
    bool *nulls = static_cast<bool *>(palloc_extended(sizeof(bool) * static_cast<Size>(n), MCXT_ALLOC_HUGE));
    for (int i = 0; i < n; ++i) {
        nulls[i] = std::isnan(values[i]);
        datums[i] = nulls[i] ? Datum(0) : Float8GetDatum(values[i]);
    }
    int dims[1] = {n};
    int lbs[1] = {lower_bound};
    return construct_md_array(datums, nulls, 1, dims, lbs, FLOAT8OID, sizeof(double), FLOAT8PASSBYVAL,
                              TYPALIGN_DOUBLE);
}

}  // namespace anomaly_pg
