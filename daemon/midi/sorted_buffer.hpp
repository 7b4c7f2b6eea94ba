#pragma once
// The container behind OutputScheduler's pending messages and forced note ends: fixed
// capacity so that the real-time thread never allocates, and sorted on insert because
// the reader only ever wants the earliest item.
#include <algorithm>
#include <array>
#include <cstddef>

namespace clara::daemon {

// A fixed-capacity buffer kept sorted by `time_ns`, stable for equal times, so
// that messages due together leave in the order they were committed. Pops from
// the front move an index; the rare compaction happens only when the tail is full.
template <class T, std::size_t N>
class SortedBuffer {
 public:
  bool empty() const { return begin_ == end_; }
  std::size_t size() const { return end_ - begin_; }
  bool full() const { return size() == N; }
  const T& front() const { return items_[begin_]; }
  void pop_front() {
    if (++begin_ == end_) begin_ = end_ = 0;
  }
  void clear() { begin_ = end_ = 0; }
  // Removes the items pred selects, keeping the others in order.
  template <class Pred>
  void remove_if(Pred&& pred) {
    auto first = items_.begin() + static_cast<std::ptrdiff_t>(begin_);
    auto last = items_.begin() + static_cast<std::ptrdiff_t>(end_);
    end_ = static_cast<std::size_t>(std::remove_if(first, last, pred) - items_.begin());
    if (begin_ == end_) begin_ = end_ = 0;
  }
  bool insert(const T& item) {
    if (full()) return false;
    if (end_ == N) {
      std::move(items_.begin() + static_cast<std::ptrdiff_t>(begin_),
                items_.begin() + static_cast<std::ptrdiff_t>(end_), items_.begin());
      end_ -= begin_;
      begin_ = 0;
    }
    auto first = items_.begin() + static_cast<std::ptrdiff_t>(begin_);
    auto last = items_.begin() + static_cast<std::ptrdiff_t>(end_);
    auto at = std::upper_bound(first, last, item,
                               [](const T& a, const T& b) { return a.time_ns < b.time_ns; });
    std::move_backward(at, last, last + 1);
    *at = item;
    ++end_;
    return true;
  }

 private:
  std::array<T, N> items_{};
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace clara::daemon
