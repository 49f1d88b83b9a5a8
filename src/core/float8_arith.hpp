// PostgreSQL's float8 operators + - * / (utils/float.h, PostgreSQL 15): the
// same results and the same errors: a finite operation whose result
// overflows to ±∞ throws OutOfRange("value out of range: overflow"), a
// product or quotient of non-zero operands that rounds to 0 throws
// OutOfRange("value out of range: underflow"). For core code that must give
// what a SQL expression over float8 gives. Division by zero is the caller's
// to avoid (it throws InvalidParameter, not PostgreSQL's 22012).
#pragma once

#include "core/errors.hpp"
#include "core/no_postgres.hpp"

#include <cmath>

namespace anomaly::f8 {

[[noreturn]] inline void overflow() { throw OutOfRange("value out of range: overflow"); }
[[noreturn]] inline void underflow() { throw OutOfRange("value out of range: underflow"); }

inline double add(double a, double b) {
    const double r = a + b;
    if (std::isinf(r) && !std::isinf(a) && !std::isinf(b)) overflow();
    return r;
}

inline double sub(double a, double b) {
    const double r = a - b;
    if (std::isinf(r) && !std::isinf(a) && !std::isinf(b)) overflow();
    return r;
}

inline double mul(double a, double b) {
    const double r = a * b;
    if (std::isinf(r) && !std::isinf(a) && !std::isinf(b)) overflow();
    if (r == 0.0 && a != 0.0 && b != 0.0) underflow();
    return r;
}

inline double div(double a, double b) {
    if (b == 0.0 && !std::isnan(a)) throw InvalidParameter("division by zero");
    const double r = a / b;
    if (std::isinf(r) && !std::isinf(a)) overflow();
    if (r == 0.0 && a != 0.0 && !std::isinf(b)) underflow();
    return r;
}

}  // namespace anomaly::f8
