// Included by every header of src/core: the core is plain C++17 and must never
// see a PostgreSQL header (their macros Max/Min/printf break the C++ library, and
// their errors longjmp through C++ frames). Only src/pg may include them.
#pragma once

#if defined(PG_VERSION_NUM) || defined(POSTGRES_H) || defined(FMGR_H)
#error "src/core must not include PostgreSQL headers; put PostgreSQL code in src/pg"
#endif
