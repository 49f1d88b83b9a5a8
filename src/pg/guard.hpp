// The exception boundary between PostgreSQL and the C++ core.
//
// Every SQL-callable function runs in three phases:
//   1. read its arguments into plain C buffers (PostgreSQL calls, no C++ objects);
//   2. compute with the core inside run_core(), which catches every C++
//      exception and makes no PostgreSQL call that can longjmp;
//   3. build the result (PostgreSQL calls again).
// run_core() raises the PostgreSQL error, if any, only after the C++ scope has
// ended, so no C++ destructor is skipped by a longjmp. Cancellation: the core
// polls a StopToken that reads PostgreSQL's interrupt flags and throws
// Interrupted; run_core() then lets CHECK_FOR_INTERRUPTS() raise the cancel.
#pragma once

#include "core/cancellation.hpp"

#include <cstddef>
#include <new>
#include <stdexcept>

namespace anomaly_pg {

enum class Outcome { ok, interrupted, error };

// Plain data only: this is what survives the C++ scope.
struct CoreError {
    Outcome outcome;
    int sqlstate;  // a PostgreSQL ERRCODE_* value
    char message[512];
};

// Runs f(StopToken&) catching everything; never throws, never longjmps.
template <typename F>
CoreError catch_core(F &f, bool cancellable) noexcept;

// Raises the PostgreSQL error described by e, naming `function`. Returns
// normally only for Outcome::ok.
void raise_core_error(const CoreError &e, const char *function);

// Whether PostgreSQL has a cancel or terminate request pending. Reads
// volatile flags only: safe to call from the core.
bool cancel_pending();

// Runs `f`, a callable taking anomaly::StopToken&, as phase 2 of a SQL
// function named `function`. f must be re-runnable: if the core stopped for an
// interrupt that CHECK_FOR_INTERRUPTS() then held off, f runs again, to the end.
template <typename F>
void run_core(const char *function, F &&f);

// ---- implementation -------------------------------------------------------

void describe_current_exception(CoreError &e) noexcept;

template <typename F>
CoreError catch_core(F &f, bool cancellable) noexcept {
    CoreError e;
    e.outcome = Outcome::ok;
    e.sqlstate = 0;
    e.message[0] = '\0';
    try {
        anomaly::StopToken stop = cancellable ? anomaly::StopToken(&cancel_pending) : anomaly::StopToken();
        f(stop);
    } catch (...) {
        describe_current_exception(e);
    }
    return e;
}

void check_for_interrupts();

template <typename F>
void run_core(const char *function, F &&f) {
    CoreError e = catch_core(f, true);
    if (e.outcome == Outcome::interrupted) {
        check_for_interrupts();  // raises the cancel, unless it is held off
        e = catch_core(f, false);
    }
    raise_core_error(e, function);
}

}  // namespace anomaly_pg
