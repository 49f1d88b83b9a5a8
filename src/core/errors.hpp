// The exceptions the core throws. The PostgreSQL adapter maps each to a SQLSTATE
// (src/pg/guard.cpp); keep this list and that map in step.
#pragma once

#include "core/no_postgres.hpp"

#include <stdexcept>
#include <string>

namespace anomaly {

// A parameter the caller chose is out of its domain (SQLSTATE 22023).
class InvalidParameter : public std::invalid_argument {
public:
    explicit InvalidParameter(const std::string &what) : std::invalid_argument(what) {}
};

// The data itself cannot be processed as asked (SQLSTATE 22000).
class DataError : public std::domain_error {
public:
    explicit DataError(const std::string &what) : std::domain_error(what) {}
};

// A serialized value (aggregate state, model) is corrupt or of an unknown
// format version (SQLSTATE 22P03, invalid_binary_representation).
class CorruptValue : public std::runtime_error {
public:
    explicit CorruptValue(const std::string &what) : std::runtime_error(what) {}
};

// A float8 result beyond double precision where PostgreSQL's float8
// operators raise "value out of range: overflow/underflow" (SQLSTATE 22003).
class OutOfRange : public std::range_error {
public:
    explicit OutOfRange(const std::string &what) : std::range_error(what) {}
};

// The query was cancelled while the core was computing; see cancellation.hpp.
class Interrupted : public std::exception {
public:
    const char *what() const noexcept override { return "interrupted"; }
};

}  // namespace anomaly
