#include "core/order_statistic_tree.hpp"

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

double OrderStatisticTree::select(std::size_t k) const {
    if (k >= size()) throw std::out_of_range("order statistic tree: rank out of range");
    Index t = root_;
    for (;;) {
        const Node &n = nodes_[t];
        const std::size_t left = n.left == kNil ? 0 : nodes_[n.left].size;
        if (k < left) {
            t = n.left;
        } else if (k == left) {
            return n.value;
        } else {
            k -= left + 1;
            t = n.right;
        }
    }
}

double OrderStatisticTree::lower_sum(std::size_t count) const {
    if (count > size()) throw std::out_of_range("order statistic tree: count out of range");
    double sum = 0.0;
    Index t = root_;
    while (count > 0) {
        const Node &n = nodes_[t];
        const std::size_t left = n.left == kNil ? 0 : nodes_[n.left].size;
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
