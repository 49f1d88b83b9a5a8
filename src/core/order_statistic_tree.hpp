// A multiset of doubles with O(log n) insert, erase, k-th smallest and
// sum of the k smallest: the sliding-window structure behind the rolling
// median and MAD. A treap whose nodes live in one pre-sized pool (no allocation
// per operation) and whose priorities are a hash of the element id, so the shape,
// and therefore every result, is deterministic.
#pragma once

#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anomaly {

class OrderStatisticTree {
public:
    // `capacity`: the most elements alive at once. `origin`: sums are kept of
    // (value - origin); choose a typical value of the data so that sums of
    // nearly equal large numbers keep their precision.
    explicit OrderStatisticTree(std::size_t capacity, double origin = 0.0);

    // Elements are identified by (value, id); ids must be unique among the
    // elements alive at the same time.
    void insert(double value, std::uint64_t id);
    void erase(double value, std::uint64_t id);

    std::size_t size() const { return root_ == kNil ? 0 : nodes_[root_].size; }
    // k-th smallest value, 0-based; requires k < size().
    double select(std::size_t k) const;
    // Sum of (value - origin) over the `count` smallest values.
    double lower_sum(std::size_t count) const;
    // Sum of (value - origin) over all values.
    double total_sum() const { return root_ == kNil ? 0.0 : nodes_[root_].sum; }
    double origin() const { return origin_; }

private:
    using Index = std::int32_t;
    static constexpr Index kNil = -1;

    struct Node {
        double value;
        double sum;  // of (value - origin) over the subtree
        std::uint64_t id;
        std::uint64_t priority;
        Index left;
        Index right;
        std::uint32_t size;
    };

    bool less(const Node &a, double value, std::uint64_t id) const {
        return a.value < value || (a.value == value && a.id < id);
    }
    void update(Index t);
    // Splits t into keys < (value, id) and keys >= (value, id).
    void split(Index t, double value, std::uint64_t id, Index &lo, Index &hi);
    Index merge(Index lo, Index hi);
    Index erase_from(Index t, double value, std::uint64_t id);

    std::vector<Node> nodes_;
    std::vector<Index> free_;
    Index root_ = kNil;
    double origin_;
};

}  // namespace anomaly
