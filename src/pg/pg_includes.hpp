// The one way src/pg includes PostgreSQL: C++ and third-party headers first
// (PostgreSQL's c.h defines Max, Min, printf… which break them), then the
// PostgreSQL headers with C linkage (PostgreSQL 15 headers carry no extern "C").
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" {
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "windowapi.h"
}
