#pragma once
// Speculation and rollback: the steps between the frontier and the lookahead
// horizon are produced before they are due, each with a snapshot of the stream
// where it began. A human message or a control that changes the stream throws
// the whole tail away (rollback to the first snapshot) and it is produced
// again; because sampling is reseeded per token, a tail that survives is what a
// fresh production would have written, so speculation only saves time.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>

#include "core/duet/duet_stream.hpp"

namespace clara {

class Speculation {
 public:
  // Back to the commit point; true when a tail was thrown away.
  bool rollback(DuetStream& stream);
  // Produces speculative steps until the stream's head reaches `horizon`, or until
  // `out_of_time` (when given) says the caller must commit first.
  void extend(DuetStream& stream, std::int64_t horizon, const std::function<bool()>& out_of_time = {});
  // The next step to commit: the tail's first, or the head step produced now.
  StepRecord next(DuetStream& stream);

  // A step produced elsewhere (a ranked phrase's chosen candidate) joins the tail's end.
  void append(StepRecord rec) { tail_.push_back(std::move(rec)); }
  const std::deque<StepRecord>& tail() const { return tail_; }

  void clear() { tail_.clear(); }
  std::size_t size() const { return tail_.size(); }

 private:
  std::deque<StepRecord> tail_;
};

}  // namespace clara
