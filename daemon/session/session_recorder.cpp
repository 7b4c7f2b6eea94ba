#include "daemon/session/session_recorder.hpp"

#include <array>
#include <chrono>
#include <ctime>
#include <stdexcept>

#include "core/duet/session_log.hpp"
#include "core/midi/midi_file.hpp"
#include "daemon/session/durable_file.hpp"
#include "daemon/session/session_writer.hpp"

namespace clara::daemon {
namespace fs = std::filesystem;

SessionRecorder::SessionRecorder(std::int64_t origin_ns, double bpm)
    : tracks_(origin_ns, bpm), origin_ns_(origin_ns), bpm_(bpm) {}

SessionRecorder::~SessionRecorder() = default;

void SessionRecorder::human(const TimedMessage& m) {
  tracks_.human(m);
  if (writer_) human_unsent_.push_back(m);
}

void SessionRecorder::clara(const std::string& instrument, int program, const TimedMessage& m) {
  tracks_.clara(instrument, program, m);
  if (writer_) clara_unsent_.push_back({instrument, program, m});
}

void SessionRecorder::tempo(std::int64_t time_ns, double bpm) {
  tracks_.tempo(time_ns, bpm);
  ++tempo_changes_;
  if (writer_) tempo_unsent_.emplace_back(time_ns, bpm);
}

void SessionRecorder::write_midi(const fs::path& file, std::int64_t end_ns) const {
  try {
    replace_file_durably(file, clara::write_midi(tracks_.score(end_ns)));
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw std::runtime_error(what.rfind(file.string(), 0) == 0 ? what : file.string() + ": " + what);
  }
}

void SessionRecorder::start_live(const fs::path& folder, const std::string& log_header, LiveSessionOptions options) {
  // The writer's copy of the tracks starts empty, so nothing may have been recorded yet.
  if (writer_ || tracks_.human_count() + tracks_.clara_count() > 0 || tempo_changes_ > 0)
    throw std::logic_error("SessionRecorder::start_live: call it once, before anything is recorded");
  if (options.flush_interval_ns <= 0)
    throw std::invalid_argument("SessionRecorder::start_live: flush interval " + std::to_string(options.flush_interval_ns) +
                                " ns must be > 0");
  options_ = options;
  writer_ = std::make_unique<SessionWriter>(folder, log_header, origin_ns_, bpm_);
}

void SessionRecorder::hand_over(std::span<const DuetInput> inputs, std::string tail, std::int64_t end_ns) {
  SessionBatch batch;
  batch.human.swap(human_unsent_);
  batch.clara.swap(clara_unsent_);
  batch.tempo.swap(tempo_unsent_);
  for (; inputs_sent_ < inputs.size(); ++inputs_sent_) batch.log_text += session_log_line(inputs[inputs_sent_]);
  batch.log_text += tail;
  batch.end_ns = end_ns;
  writer_->post(std::move(batch));
}

void SessionRecorder::tick(std::span<const DuetInput> inputs, std::int64_t frontier, std::size_t committed_tokens,
                           std::int64_t now_ns) {
  if (!writer_) return;
  if (last_flush_ns_ && now_ns - *last_flush_ns_ < options_.flush_interval_ns) return;
  last_flush_ns_ = now_ns;
  hand_over(inputs, session_log_checkpoint(frontier, committed_tokens), now_ns);
}

void SessionRecorder::tick(const DuetEngine& engine, std::int64_t now_ns) {
  if (!writer_) return;
  tick(engine.log(), engine.frontier(), engine.committed_tokens().size(), now_ns);
}

void SessionRecorder::finish(std::span<const DuetInput> inputs, std::int64_t frontier, std::size_t committed_tokens,
                             std::int64_t end_ns) {
  if (!writer_) return;
  hand_over(inputs, session_log_end(frontier, committed_tokens), end_ns);
  writer_->sync();
  const std::optional<std::string> error = writer_->error();
  writer_.reset();
  if (error) throw std::runtime_error(*error);
}

void SessionRecorder::finish(const DuetEngine& engine, std::int64_t end_ns) {
  finish(engine.log(), engine.frontier(), engine.committed_tokens().size(), end_ns);
}

void SessionRecorder::sync() {
  if (writer_) writer_->sync();
}

std::optional<std::string> SessionRecorder::write_error() const {
  return writer_ ? writer_->error() : std::nullopt;
}

fs::path make_session_folder(const fs::path& root) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::array<char, 32> name{};
  std::strftime(name.data(), name.size(), "%Y%m%d-%H%M%S", &tm);
  fs::create_directories(root);
  for (int i = 0;; ++i) {
    fs::path dir = root / (std::string(name.data()) + (i ? "-" + std::to_string(i) : ""));
    if (fs::create_directory(dir)) return dir;
  }
}

}  // namespace clara::daemon
