// The shared library's identity. The extension has no settings yet: every
// function takes its parameters as arguments, so results never depend on a
// session's configuration (see README, "Distributed PostgreSQL").
#include "pg/pg_includes.hpp"

extern "C" {
PG_MODULE_MAGIC;
}
