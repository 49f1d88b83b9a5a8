#include "pg/guard.hpp"

#include "core/errors.hpp"

#include <exception>
#include <new>
#include <stdexcept>

#include "pg/pg_includes.hpp"

namespace anomaly_pg {

namespace {

void set(CoreError &e, Outcome outcome, int sqlstate, const char *message) noexcept {
    e.outcome = outcome;
    e.sqlstate = sqlstate;
    strlcpy(e.message, message, sizeof e.message);
}

}  // namespace

// The map from the core's exceptions to SQLSTATEs. Most specific first.
void describe_current_exception(CoreError &e) noexcept {
    try {
        throw;
    } catch (const anomaly::Interrupted &) {
        set(e, Outcome::interrupted, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
    } catch (const std::bad_alloc &) {
        set(e, Outcome::error, ERRCODE_OUT_OF_MEMORY, "out of memory");
    } catch (const std::length_error &ex) {
        set(e, Outcome::error, ERRCODE_PROGRAM_LIMIT_EXCEEDED, ex.what());
    } catch (const anomaly::InvalidParameter &ex) {
        set(e, Outcome::error, ERRCODE_INVALID_PARAMETER_VALUE, ex.what());
    } catch (const std::invalid_argument &ex) {
        set(e, Outcome::error, ERRCODE_INVALID_PARAMETER_VALUE, ex.what());
    } catch (const anomaly::DataError &ex) {
        set(e, Outcome::error, ERRCODE_DATA_EXCEPTION, ex.what());
    } catch (const anomaly::OutOfRange &ex) {
        set(e, Outcome::error, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, ex.what());
    } catch (const anomaly::CorruptValue &ex) {
        set(e, Outcome::error, ERRCODE_INVALID_BINARY_REPRESENTATION, ex.what());
    } catch (const std::exception &ex) {
        set(e, Outcome::error, ERRCODE_INTERNAL_ERROR, ex.what());
    } catch (...) {
        set(e, Outcome::error, ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
    }
}

bool cancel_pending() { return InterruptPending && (QueryCancelPending || ProcDiePending); }

void check_for_interrupts() { CHECK_FOR_INTERRUPTS(); }

void raise_core_error(const CoreError &e, const char *function) {
    switch (e.outcome) {
    case Outcome::ok:
        return;
    case Outcome::interrupted:
        // Cancelled, but CHECK_FOR_INTERRUPTS() held the cancel off; the caller
        // ran the computation again without a stop token, so this is not reached.
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("%s: %s", function, e.message)));
        break;
    case Outcome::error:
        if (e.sqlstate == ERRCODE_INTERNAL_ERROR)
            ereport(ERROR, (errcode(e.sqlstate), errmsg("%s: internal error: %s", function, e.message),
                            errhint("This is a bug in anomaly_detect; please report it with the query.")));
        ereport(ERROR, (errcode(e.sqlstate), errmsg("%s: %s", function, e.message)));
        break;
    }
}

}  // namespace anomaly_pg
