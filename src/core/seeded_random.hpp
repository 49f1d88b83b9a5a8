// A small deterministic random number generator whose output is the same on
// every platform and standard library: splitmix64 to expand a seed, then
// xoshiro256**. The std:: distributions are not used anywhere in models,
// because their output differs between standard libraries, and a model fitted
// on one node must be the model fitted on any other.
#pragma once

#include "core/no_postgres.hpp"

#include <cstdint>

namespace anomaly {

// splitmix64 step: advances `state` and returns the next output. Also a good
// 64-bit mixing function for hashing.
inline std::uint64_t splitmix64(std::uint64_t &state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// The finaliser of splitmix64 applied to x (a bijection of 64-bit words).
inline std::uint64_t mix64(std::uint64_t x) {
    std::uint64_t s = x;
    return splitmix64(s);
}

class SeededRandom {
public:
    // The four words of state come from splitmix64(seed), as the xoshiro
    // authors recommend; any seed (even 0) gives a valid state.
    explicit SeededRandom(std::uint64_t seed) {
        std::uint64_t s = seed;
        for (auto &w : s_) w = splitmix64(s);
    }

    // xoshiro256**.
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in the open interval (0, 1): (k + 0.5) / 2^53 for a 53-bit k.
    double uniform_open() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

    // Uniform integer in [0, n), n ≥ 1, without modulo bias (rejection).
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t limit = -n % n;  // 2^64 mod n: reject the first `limit` values
        for (;;) {
            const std::uint64_t x = next();
            if (x >= limit) return x % n;
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

}  // namespace anomaly
