// Entry points for the regression tests only. The install script does not
// create SQL functions for them; a test binds them itself, e.g.
//   CREATE FUNCTION pg_temp.throw_cpp(text) RETURNS void
//     AS 'anomaly_detect', 'anomaly_test_throw' LANGUAGE C STRICT;
// so that the exception boundary and cancellation can be exercised with
// failures no valid input produces.
#include "core/errors.hpp"
#include "pg/guard.hpp"

#include <new>
#include <stdexcept>
#include <string>

#include "pg/pg_includes.hpp"

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_test_throw);
PG_FUNCTION_INFO_V1(anomaly_test_spin);

// Throws, inside the guard, the C++ exception named by $1.
Datum anomaly_test_throw(PG_FUNCTION_ARGS) {
    const char *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    anomaly_pg::run_core("anomaly_test_throw", [&](anomaly::StopToken &) {
        const std::string k(kind);
        if (k == "bad_alloc") throw std::bad_alloc();
        if (k == "invalid_argument") throw std::invalid_argument("invalid argument from C++");
        if (k == "invalid_parameter") throw anomaly::InvalidParameter("lookback must be at least 1, got 0");
        if (k == "data_error") throw anomaly::DataError("series is empty");
        if (k == "corrupt_value") throw anomaly::CorruptValue("state has format version 9, expected 1");
        if (k == "length_error") throw std::length_error("too many points");
        if (k == "runtime_error") throw std::runtime_error("something went wrong in C++");
        if (k == "unknown") throw 42;
    });
    PG_RETURN_VOID();
}

// Counts to $1 in a C++ loop that polls for cancellation: a long computation
// that statement_timeout must stop.
Datum anomaly_test_spin(PG_FUNCTION_ARGS) {
    const int64 iterations = PG_GETARG_INT64(0);
    volatile int64 done = 0;
    anomaly_pg::run_core("anomaly_test_spin", [&](anomaly::StopToken &stop) {
        for (done = 0; done < iterations; done = done + 1) stop.poll();
    });
    PG_RETURN_INT64(done);
}

}  // extern "C"
