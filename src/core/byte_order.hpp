// Fixed little-endian encoding for values that leave the backend (aggregate
// states, models): they travel between nodes of a distributed cluster.
#pragma once

#include "core/no_postgres.hpp"

#include <cstdint>
#include <cstring>

namespace anomaly::le {

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
inline std::uint64_t to_le(std::uint64_t x) { return __builtin_bswap64(x); }
inline std::uint32_t to_le(std::uint32_t x) { return __builtin_bswap32(x); }
#else
inline std::uint64_t to_le(std::uint64_t x) { return x; }
inline std::uint32_t to_le(std::uint32_t x) { return x; }
#endif

inline std::uint32_t load_u32(const std::uint8_t *p) {
    std::uint32_t x;
    std::memcpy(&x, p, sizeof x);
    return to_le(x);
}
inline void store_u32(std::uint8_t *p, std::uint32_t x) {
    x = to_le(x);
    std::memcpy(p, &x, sizeof x);
}
inline std::uint64_t load_u64(const std::uint8_t *p) {
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    return to_le(x);
}
inline void store_u64(std::uint8_t *p, std::uint64_t x) {
    x = to_le(x);
    std::memcpy(p, &x, sizeof x);
}
inline std::int32_t load_i32(const std::uint8_t *p) { return static_cast<std::int32_t>(load_u32(p)); }
inline void store_i32(std::uint8_t *p, std::int32_t x) { store_u32(p, static_cast<std::uint32_t>(x)); }
inline std::int64_t load_i64(const std::uint8_t *p) { return static_cast<std::int64_t>(load_u64(p)); }
inline void store_i64(std::uint8_t *p, std::int64_t x) { store_u64(p, static_cast<std::uint64_t>(x)); }
inline double load_f64(const std::uint8_t *p) {
    const std::uint64_t bits = load_u64(p);
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}
inline void store_f64(std::uint8_t *p, double x) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    store_u64(p, bits);
}

}  // namespace anomaly::le
