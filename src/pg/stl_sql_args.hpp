// Argument and result helpers shared by the STL/MSTL SQL functions. PostgreSQL
// calls: phases 1 and 3 of an entry point only (see guard.hpp).
#pragma once

#include "pg/pg_includes.hpp"

// funcapi.h (InitMaterializedSRF) is not in pg_includes.hpp; C linkage as there.
extern "C" {
#include "funcapi.h"
}

namespace anomaly_pg {

// Argument argno as int4; NULL is an error (22004) naming `name`.
int32 stl_int_arg(FunctionCallInfo fcinfo, int argno, const char *function, const char *name);
bool stl_bool_arg(FunctionCallInfo fcinfo, int argno, const char *function, const char *name);

// n doubles (huge allocations allowed) in the current memory context.
double *stl_palloc_doubles(Size n);

// A one-dimensional int4[] without NULL elements, palloc'd; *n = its length.
int32 *stl_int_array_arg(ArrayType *array, const char *function, const char *name, int *n);


}  // namespace anomaly_pg
