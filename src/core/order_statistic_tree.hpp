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

    std::size_t size() const { return size_of(root_); }
    // k-th smallest value, 0-based; requires k < size().
    double select(std::size_t k) const;
    // Sum of (value - origin) over the `count` smallest values.
    double lower_sum(std::size_t count) const;
    // Sum of (value - origin) over all values.
    double total_sum() const { return root_ == kNil ? 0.0 : nodes_[root_].sum; }
    double origin() const { return origin_; }

    // The median of |v − center| over all values v, for a center with the
    // `below` smallest values ≤ center ≤ the others (the median is such a
    // center). O(log n): the deviations of each side, read outwards from the
    // center, are two ascending sequences, and the tree is split there so that
    // one descent through both halves selects in their union.
    double median_deviation(double center, std::size_t below);

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
    // Splits t into its `count` smallest elements and the rest.
    void split_at_rank(Index t, std::size_t count, Index &lo, Index &hi);
    std::size_t size_of(Index t) const { return t == kNil ? 0 : nodes_[t].size; }
    // The k-th value (0-based) of subtree t in ascending or descending order;
    // requires k < size_of(t).
    double value_at_rank(Index t, std::size_t k, bool descending) const;
    // The k-th smallest (0-based) deviation in the union of below (values ≤
    // center: deviation center − v) and above (v ≥ center: v − center).
    double select_deviation(Index below, Index above, std::size_t k, double center) const;

    std::vector<Node> nodes_;
    std::vector<Index> free_;
    Index root_ = kNil;
    double origin_;
};

}  // namespace anomaly
