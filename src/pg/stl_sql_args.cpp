#include "pg/stl_sql_args.hpp"

namespace anomaly_pg {

int32 stl_int_arg(FunctionCallInfo fcinfo, int argno, const char *function, const char *name) {
    if (PG_ARGISNULL(argno))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: %s must not be NULL", function, name)));
    return PG_GETARG_INT32(argno);
}

bool stl_bool_arg(FunctionCallInfo fcinfo, int argno, const char *function, const char *name) {
    if (PG_ARGISNULL(argno))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: %s must not be NULL", function, name)));
    return PG_GETARG_BOOL(argno);
}

double *stl_palloc_doubles(Size n) {
    return static_cast<double *>(palloc_extended(sizeof(double) * n + 1, MCXT_ALLOC_HUGE));
}

int32 *stl_int_array_arg(ArrayType *array, const char *function, const char *name, int *n) {
    if (ARR_ELEMTYPE(array) != INT4OID)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("%s: %s must be an int[]", function, name)));
    if (ARR_NDIM(array) > 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                        errmsg("%s: %s must be one-dimensional", function, name)));
    if (array_contains_nulls(array))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("%s: %s must not contain NULL", function, name)));
    *n = ARR_NDIM(array) == 0 ? 0 : ARR_DIMS(array)[0];
    int32 *out = static_cast<int32 *>(palloc(sizeof(int32) * static_cast<Size>(*n) + 1));
    if (*n > 0) std::memcpy(out, ARR_DATA_PTR(array), sizeof(int32) * static_cast<Size>(*n));
    return out;
}

}  // namespace anomaly_pg
