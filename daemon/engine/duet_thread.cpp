#include "daemon/engine/duet_thread.hpp"
#include "daemon/engine/routing.hpp"
#include "daemon/log/logger.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace clara::daemon {

DuetThread::DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder, InstrumentRoute route)
    : backend_(backend), engine_(engine), recorder_(recorder), route_(std::move(route)) {}

DuetThread::~DuetThread() { stop(); }

void DuetThread::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

std::optional<std::string> DuetThread::submit(const ControlCommand& command) {
  if (auto why = validate(command)) {
    log::warning("%s refused: %s", command_name(command), why->c_str());
    return why;
  }
  std::lock_guard lock(mutex_);
  controls_.push_back(command);
  return std::nullopt;
}

void DuetThread::apply(const ControlCommand& command, std::vector<TimedMessage>& out) {
  if (const auto* m = std::get_if<SetMode>(&command)) {
    engine_.set_mode(m->mode, out);
  } else if (const auto* t = std::get_if<SetTempo>(&command)) {
    engine_.set_tempo(t->bpm);
    if (recorder_) recorder_->tempo(engine_.time_of_step(engine_.frontier()), t->bpm);
  } else if (std::holds_alternative<Panic>(command)) {
    // Clara's own notes end through the engine (ledger and context agree), then the
    // port-level panic catches anything else sounding.
    engine_.set_mode(engine_.mode(), out);
    emit(out);
    backend_.request_panic();
  } else if (std::holds_alternative<StopPlaying>(command)) {
    engine_.set_mode(DuetMode::listen, out);
  }
}

std::optional<std::string> DuetThread::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::vector<std::int64_t> DuetThread::reactions_ns() const {
  std::lock_guard lock(mutex_);
  return reactions_;
}

void DuetThread::emit(std::vector<TimedMessage>& out) {
  for (const auto& m : out) {
    const TimedMessage routed = apply_route(route_, m);
    if (!backend_.push_output(routed)) ++queue_full_;
    if (recorder_) recorder_->clara(route_.instrument, route_.program, routed);
  }
  out.clear();
}

void DuetThread::stop() {
  if (!thread_.joinable()) return;
  running_ = false;
  thread_.join();
  std::vector<TimedMessage> out;
  bool ok;
  {
    std::lock_guard lock(mutex_);
    ok = !failure_;
  }
  if (ok) {
    try {
      engine_.stop(out);
      emit(out);
    } catch (const std::exception& e) {
      log::error("stopping the duet: %s", e.what());
    }
  }
}

void DuetThread::run() {
  using clock = std::chrono::steady_clock;
  constexpr auto tick = std::chrono::milliseconds(1);
  auto deadline = clock::now();
  std::vector<TimedMessage> out;
  out.reserve(256);
  std::uint64_t answers_seen = 0;
  bool failed = false;
  while (running_.load(std::memory_order_relaxed)) {
    deadline += tick;
    std::this_thread::sleep_until(deadline);
    if (clock::now() - deadline > 50 * tick) deadline = clock::now();  // suspended: do not race to catch up

    TimedMessage in;
    if (failed) {  // keep draining input so the queue never fills; stay silent
      while (backend_.pop_input(in)) {
        if (recorder_) recorder_->human(in);
      }
      continue;
    }
    try {
      std::deque<ControlCommand> controls;
      {
        std::lock_guard lock(mutex_);
        controls.swap(controls_);
      }
      for (const auto& c : controls) apply(c, out);
      while (backend_.pop_input(in)) {
        engine_.human(in.msg, in.time_ns);
        if (recorder_) recorder_->human(in);
      }
      engine_.advance(backend_.now_ns(), out);
      emit(out);
      const auto& st = engine_.stats();
      if (st.answers != answers_seen && st.last_reaction_ns >= 0) {
        answers_seen = st.answers;
        std::lock_guard lock(mutex_);
        reactions_.push_back(st.last_reaction_ns);
      }
    } catch (const std::exception& e) {
      // The model path failed: keep the ports, end what sounds, stay silent.
      failed = true;
      backend_.request_panic();
      log::error("the model path failed, Clara stays silent: %s", e.what());
      std::lock_guard lock(mutex_);
      failure_ = e.what();
    }
  }
}

}  // namespace clara::daemon
