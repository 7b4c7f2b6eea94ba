#include "core/duet/speculation.hpp"

#include <utility>

namespace clara {

bool Speculation::rollback(DuetStream& stream) {
  if (tail_.empty()) return false;
  stream.restore(*tail_.front().start);
  tail_.clear();
  return true;
}

void Speculation::extend(DuetStream& stream, std::int64_t horizon, const std::function<bool()>& out_of_time) {
  while (stream.head().step < horizon && !(out_of_time && out_of_time())) tail_.push_back(stream.produce(true));
}

StepRecord Speculation::next(DuetStream& stream) {
  if (tail_.empty()) return stream.produce(false);
  StepRecord rec = std::move(tail_.front());
  tail_.pop_front();
  return rec;
}

}  // namespace clara
