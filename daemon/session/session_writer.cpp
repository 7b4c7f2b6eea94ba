#include "daemon/session/session_writer.hpp"

#include "core/midi/midi_file.hpp"

namespace clara::daemon {

SessionWriter::SessionWriter(const std::filesystem::path& folder, const std::string& log_header, std::int64_t origin_ns,
                             double bpm)
    : folder_(folder), log_(folder / "replay.log"), tracks_(origin_ns, bpm) {
  log_.append(log_header);
  thread_ = std::thread([this] { run(); });
}

SessionWriter::~SessionWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SessionWriter::post(SessionBatch batch) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(batch));
    ++posted_;
  }
  wake_.notify_one();
}

void SessionWriter::sync() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = posted_;
  written_.wait(lock, [&] { return done_ >= target; });
}

std::optional<std::string> SessionWriter::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void SessionWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    // Batches that piled up while the disk was slow are written as one.
    std::deque<SessionBatch> batches;
    batches.swap(queue_);
    lock.unlock();
    SessionBatch merged = std::move(batches.front());
    for (std::size_t i = 1; i < batches.size(); ++i) {
      SessionBatch& b = batches[i];
      merged.human.insert(merged.human.end(), b.human.begin(), b.human.end());
      merged.clara.insert(merged.clara.end(), b.clara.begin(), b.clara.end());
      merged.tempo.insert(merged.tempo.end(), b.tempo.begin(), b.tempo.end());
      merged.log_text += b.log_text;
      merged.end_ns = b.end_ns;
    }
    std::optional<std::string> failed;
    try {
      write(merged);
    } catch (const std::exception& e) {
      failed = e.what();
    }
    lock.lock();
    if (failed && !error_) error_ = failed;
    done_ += batches.size();
    written_.notify_all();
  }
}

void SessionWriter::write(SessionBatch& batch) {
  for (const auto& m : batch.human) tracks_.human(m);
  for (const auto& c : batch.clara) tracks_.clara(c.instrument, c.program, c.message);
  for (const auto& [t, bpm] : batch.tempo) tracks_.tempo(t, bpm);
  // The log first: it is what replay needs, and a small append.
  // After a failed append the file may end in part of a line: appending more would glue the
  // next line onto it, so the log stays as it is and replays to its last whole checkpoint.
  if (!batch.log_text.empty() && !log_broken_) {
    try {
      log_.append(batch.log_text);
    } catch (...) {
      log_broken_ = true;
      throw;
    }
  }
  std::vector<std::uint8_t> bytes;
  try {
    bytes = write_midi(tracks_.score(batch.end_ns));
  } catch (const std::exception& e) {
    throw std::runtime_error(midi_path().string() + ": " + e.what());
  }
  replace_file_durably(midi_path(), bytes);
}

}  // namespace clara::daemon
