// Cooperative cancellation for long loops of the core.
//
// The core never calls PostgreSQL. The adapter hands it a StopToken whose
// predicate only reads PostgreSQL's volatile interrupt flags; when it says stop,
// the core throws Interrupted, the adapter's guard unwinds every C++ frame, and
// only then does the adapter call CHECK_FOR_INTERRUPTS() to raise the real
// cancel error. Unit tests pass their own predicate.
#pragma once

#include "core/errors.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>

namespace anomaly {

class StopToken {
public:
    using Predicate = bool (*)();

    StopToken() = default;
    explicit StopToken(Predicate should_stop) : should_stop_(should_stop) {}

    // Cheap enough to call every iteration: the predicate runs once every
    // kStride calls.
    void poll() {
        if (should_stop_ != nullptr && ++calls_ % kStride == 0 && should_stop_()) throw Interrupted();
    }

private:
    static constexpr std::size_t kStride = 1024;
    Predicate should_stop_ = nullptr;
    std::size_t calls_ = 0;
};

}  // namespace anomaly
