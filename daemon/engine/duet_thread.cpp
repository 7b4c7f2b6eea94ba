#include "daemon/engine/duet_thread.hpp"
#include "daemon/engine/routing.hpp"
#include "daemon/log/logger.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace clara::daemon {

DuetThread::DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder, InstrumentRoute route)
    : DuetThread(backend, engine, recorder, std::vector<InstrumentRoute>{std::move(route)}) {}

DuetThread::DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder,
                       std::vector<InstrumentRoute> routes)
    : backend_(backend), engine_(engine), recorder_(recorder), routes_(std::move(routes)),
      route_(route_for(routes_, engine.config().clara_prefix)) {}

DuetThread::~DuetThread() { stop(); }

void DuetThread::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

std::optional<std::string> DuetThread::submit(const ControlCommand& command) {
  if (auto why = validate(command, engine_.spec())) {
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
    resume_mode_.reset();
  } else if (const auto* t = std::get_if<SetTempo>(&command)) {
    engine_.set_tempo(t->bpm);
    if (recorder_) recorder_->tempo(engine_.time_of_step(engine_.frontier()), t->bpm);
  } else if (const auto* s = std::get_if<SetSampler>(&command)) {
    engine_.set_sampler(s->sampler);
  } else if (const auto* v = std::get_if<SetVelocity>(&command)) {
    engine_.set_velocity(v->velocity);
  } else if (const auto* i = std::get_if<SetInstruments>(&command)) {
    engine_.set_instruments(i->human, i->clara, out);
    emit(out);  // her last notes end on the old route
    route_ = route_for(routes_, i->clara);
    send_program_change(backend_, route_);
  } else if (std::holds_alternative<Panic>(command)) {
    // Clara's own notes end through the engine (ledger and context agree), then the
    // port-level panic catches anything else sounding.
    engine_.set_mode(engine_.mode(), out);
    emit(out);
    backend_.request_panic();
  } else if (std::holds_alternative<StopPlaying>(command)) {
    if (!resume_mode_) resume_mode_ = engine_.mode();
    engine_.set_mode(DuetMode::listen, out);
  } else if (std::holds_alternative<StartPlaying>(command)) {
    if (resume_mode_) engine_.set_mode(*resume_mode_, out);
    resume_mode_.reset();
  } else if (std::holds_alternative<ResetContext>(command)) {
    engine_.reset_context(out);
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

// Through the gate, so that a full output queue never loses a note-off: a
// refused note-on takes its note-off with it, a note-off that does not fit is
// pushed first on the next tick (run() calls this every tick), and the session
// records only what was pushed, when it was.
void DuetThread::emit(std::vector<TimedMessage>& out) {
  for (auto& m : out) m = apply_route(route_, m);
  gate_.send(
      out,
      [&](const TimedMessage& m) {
        if (backend_.push_output(m)) return true;
        ++queue_full_;
        return false;
      },
      [&](const TimedMessage& m) {
        if (recorder_) recorder_->clara(route_.instrument, route_.program, m);
      });
  refused_note_ons_.store(gate_.refused_note_ons(), std::memory_order_relaxed);
  retried_note_offs_.store(gate_.retried_note_offs(), std::memory_order_relaxed);
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
      if (recorder_) recorder_->tick(engine_, backend_.now_ns());
      continue;
    }
    try {
      std::deque<ControlCommand> controls;
      {
        std::lock_guard lock(mutex_);
        controls.swap(controls_);
      }
      for (const auto& c : controls) {
        try {
          apply(c, out);
        } catch (const std::invalid_argument& e) {  // validated on entry; refused here all the same
          log::warning("%s refused: %s", command_name(c), e.what());
        }
      }
      while (backend_.pop_input(in)) {
        engine_.human(in.msg, in.time_ns);
        if (recorder_) recorder_->human(in);
      }
      const std::uint64_t stalls = engine_.stats().stalls;
      const std::int64_t stalled_ns = engine_.stats().stalled_ns;
      engine_.advance(backend_.now_ns(), out, [this] { return backend_.now_ns(); });
      if (engine_.stats().stalls != stalls)  // once per stall, not per missed step
        log::warning("late: the duet fell %.0f ms behind the clock (a stall); the grid slid instead of a burst "
                     "(%llu stalls so far)",
                     static_cast<double>(engine_.stats().stalled_ns - stalled_ns) / 1e6,
                     static_cast<unsigned long long>(engine_.stats().stalls));
      emit(out);
      if (recorder_) recorder_->tick(engine_, backend_.now_ns());  // hands new material to the writer thread
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
