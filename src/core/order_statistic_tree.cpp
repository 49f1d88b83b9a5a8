#include "core/order_statistic_tree.hpp"

#include "core/robust_statistics.hpp"

#include <limits>
#include <stdexcept>

namespace anomaly {

namespace {

// SplitMix64 finaliser: a fixed, well-mixed priority for each id.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

OrderStatisticTree::OrderStatisticTree(std::size_t capacity, double origin) : origin_(origin) {
    if (capacity > static_cast<std::size_t>(std::numeric_limits<Index>::max()))
        throw std::length_error("order statistic tree: capacity too large");
    nodes_.reserve(capacity);
    free_.reserve(capacity);
}

void OrderStatisticTree::update(Index t) {
    Node &n = nodes_[t];
    n.size = 1;
    n.sum = n.value - origin_;
    if (n.left != kNil) {
        n.size += nodes_[n.left].size;
        n.sum += nodes_[n.left].sum;
    }
    if (n.right != kNil) {
        n.size += nodes_[n.right].size;
        n.sum += nodes_[n.right].sum;
    }
}

void OrderStatisticTree::split(Index t, double value, std::uint64_t id, Index &lo, Index &hi) {
    if (t == kNil) {
        lo = hi = kNil;
        return;
    }
    if (less(nodes_[t], value, id)) {
        split(nodes_[t].right, value, id, nodes_[t].right, hi);
        lo = t;
    } else {
        split(nodes_[t].left, value, id, lo, nodes_[t].left);
        hi = t;
    }
    update(t);
}

OrderStatisticTree::Index OrderStatisticTree::merge(Index lo, Index hi) {
    if (lo == kNil) return hi;
    if (hi == kNil) return lo;
    if (nodes_[lo].priority > nodes_[hi].priority) {
        nodes_[lo].right = merge(nodes_[lo].right, hi);
        update(lo);
        return lo;
    }
    nodes_[hi].left = merge(lo, nodes_[hi].left);
    update(hi);
    return hi;
}

void OrderStatisticTree::insert(double value, std::uint64_t id) {
    Index t;
    if (!free_.empty()) {
        t = free_.back();
        free_.pop_back();
    } else {
        if (nodes_.size() >= static_cast<std::size_t>(std::numeric_limits<Index>::max()))
            throw std::length_error("order statistic tree: too many elements");
        nodes_.push_back(Node{});
        t = static_cast<Index>(nodes_.size() - 1);
    }
    nodes_[t] = Node{value, 0.0, id, mix(id), kNil, kNil, 1};
    update(t);
    Index lo, hi;
    split(root_, value, id, lo, hi);
    root_ = merge(merge(lo, t), hi);
}

OrderStatisticTree::Index OrderStatisticTree::erase_from(Index t, double value, std::uint64_t id) {
    if (t == kNil) throw std::logic_error("order statistic tree: erasing an absent element");
    Node &n = nodes_[t];
    if (n.value == value && n.id == id) {
        free_.push_back(t);
        return merge(n.left, n.right);
    }
    if (less(n, value, id))
        nodes_[t].right = erase_from(n.right, value, id);
    else
        nodes_[t].left = erase_from(n.left, value, id);
    update(t);
    return t;
}

void OrderStatisticTree::erase(double value, std::uint64_t id) { root_ = erase_from(root_, value, id); }

double OrderStatisticTree::value_at_rank(Index t, std::size_t k, bool descending) const {
    for (;;) {
        const Node &n = nodes_[t];
        const Index first = descending ? n.right : n.left;
        const std::size_t ahead = size_of(first);
        if (k < ahead) {
            t = first;
        } else if (k == ahead) {
            return n.value;
        } else {
            k -= ahead + 1;
            t = descending ? n.left : n.right;
        }
    }
}

double OrderStatisticTree::select(std::size_t k) const {
    if (k >= size()) throw std::out_of_range("order statistic tree: rank out of range");
    return value_at_rank(root_, k, false);
}

void OrderStatisticTree::split_at_rank(Index t, std::size_t count, Index &lo, Index &hi) {
    if (t == kNil) {
        lo = hi = kNil;
        return;
    }
    const std::size_t left = size_of(nodes_[t].left);
    if (count <= left) {
        split_at_rank(nodes_[t].left, count, lo, nodes_[t].left);
        hi = t;
    } else {
        split_at_rank(nodes_[t].right, count - left - 1, nodes_[t].right, hi);
        lo = t;
    }
    update(t);
}

double OrderStatisticTree::select_deviation(Index a, Index b, std::size_t k, double center) const {
    // a walks the lower half, where deviations grow towards smaller values
    // (the right child comes first); b walks the upper half in value order.
    // Each step drops the root of one subtree with the part of it that cannot
    // hold the answer, descending one level: O(depth(a) + depth(b)) steps.
    for (;;) {
        if (a == kNil) return value_at_rank(b, k, false) - center;  // the k-th smallest of b
        if (b == kNil) return center - value_at_rank(a, k, true);   // the k-th largest of a
        const std::size_t before_a = size_of(nodes_[a].right);
        const std::size_t before_b = size_of(nodes_[b].left);
        const double da = center - nodes_[a].value;
        const double db = nodes_[b].value - center;
        // In the union ordered by (deviation, lower half first), the smaller of
        // a and b has at most before_a + before_b elements ahead of it, and the
        // larger at least before_a + before_b + 1.
        if (before_a + before_b < k) {
            if (da <= db) {
                k -= before_a + 1;
                a = nodes_[a].left;
            } else {
                k -= before_b + 1;
                b = nodes_[b].right;
            }
        } else {
            if (da <= db)
                b = nodes_[b].left;
            else
                a = nodes_[a].right;
        }
    }
}

double OrderStatisticTree::median_deviation(double center, std::size_t below) {
    const std::size_t n = size();
    if (n == 0 || below > n) throw std::out_of_range("order statistic tree: bad split for deviations");
    Index lo, hi;
    split_at_rank(root_, below, lo, hi);
    const std::size_t h = n / 2;
    const double upper = select_deviation(lo, hi, h, center);
    const double mad = n % 2 == 1 ? upper : midpoint(select_deviation(lo, hi, h - 1, center), upper);
    root_ = merge(lo, hi);  // same keys and priorities: the same tree as before
    return mad;
}

double OrderStatisticTree::lower_sum(std::size_t count) const {
    if (count > size()) throw std::out_of_range("order statistic tree: count out of range");
    double sum = 0.0;
    Index t = root_;
    while (count > 0) {
        const Node &n = nodes_[t];
        const std::size_t left = size_of(n.left);
        if (count <= left) {
            t = n.left;
        } else {
            if (n.left != kNil) sum += nodes_[n.left].sum;
            sum += n.value - origin_;
            count -= left + 1;
            t = n.right;
        }
    }
    return sum;
}

}  // namespace anomaly
