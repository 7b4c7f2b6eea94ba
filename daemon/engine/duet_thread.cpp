#include "daemon/engine/duet_thread.hpp"
#include "daemon/engine/routing.hpp"
#include "daemon/log/logger.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

namespace clara::daemon {

DuetThread::DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder, InstrumentRoute route)
    : DuetThread(backend, engine, recorder, std::vector<InstrumentRoute>{std::move(route)}) {}

DuetThread::DuetThread(MidiBackend& backend, DuetEngine& engine, SessionRecorder* recorder,
                       std::vector<InstrumentRoute> routes)
    : backend_(backend), engine_(engine), recorder_(recorder), routes_(std::move(routes)),
      route_(route_for(routes_, engine.config().clara_prefix)) {}

DuetThread::~DuetThread() { stop(); }

void DuetThread::set_clock_out(bool on) {
  if (on)
    clock_ticks_.emplace(engine_.spec().sample_freq);
  else
    clock_ticks_.reset();
}

// Start goes out with step 0's time, ahead of the tick there (the scheduler keeps pushes of the
// same time in order), and a slave starts on that tick; then every tick whose steps are final.
void DuetThread::send_clock(std::vector<TimedMessage>& aux) {
  if (!clock_ticks_) return;
  const auto port = static_cast<std::uint8_t>(route_.output);
  if (!clock_started_) {
    clock_started_ = true;
    aux.push_back(TimedMessage{engine_.time_of_step(0), ShortMessage{0xFA, 0, 0}, port});
  }
  tick_times_.clear();
  clock_ticks_->until(engine_.frontier(), [this](std::int64_t step) { return engine_.time_of_step(step); }, tick_times_);
  for (const std::int64_t t : tick_times_) aux.push_back(TimedMessage{t, ShortMessage{0xF8, 0, 0}, port});
}

void DuetThread::set_metronome(bool metronome, int count_in_bars) {
  metronome_ = metronome;
  count_in_steps_ = static_cast<std::int64_t>(std::max(count_in_bars, 0)) * engine_.config().beats_per_bar *
                    engine_.spec().sample_freq;
}

// Each beat once its step is committed, so a click has the timing of her notes. Beats and bars
// are counted from step 0 in the current metre, as the bar lines of mode changes are.
void DuetThread::send_clicks(std::vector<TimedMessage>& aux) {
  const std::int64_t steps_per_beat = engine_.spec().sample_freq;
  const std::int64_t beats_per_bar = std::max(engine_.config().beats_per_bar, 1);
  const auto port = static_cast<std::uint8_t>(route_.output);
  for (; next_click_beat_ * steps_per_beat < engine_.frontier(); ++next_click_beat_) {
    const std::int64_t step = next_click_beat_ * steps_per_beat;
    if (!metronome_ && step >= count_in_steps_) continue;
    const bool downbeat = next_click_beat_ % beats_per_bar == 0;
    const std::uint8_t key = downbeat ? 76 : 77;  // GM percussion: high and low wood block
    const std::int64_t t = engine_.time_of_step(step);
    aux.push_back(TimedMessage{t, ShortMessage{0x99, key, static_cast<std::uint8_t>(downbeat ? 110 : 80)}, port});
    aux.push_back(TimedMessage{t + kClickNs, ShortMessage{0x89, key, 0}, port});
  }
}

// She takes up her mode at the first step after the count-in (or the mode she was given during it).
void DuetThread::end_count_in(std::vector<TimedMessage>& out) {
  if (!count_in_mode_ || engine_.frontier() < count_in_steps_) return;
  engine_.set_mode(*count_in_mode_, out);
  count_in_mode_.reset();
}

bool DuetThread::push_counted(const TimedMessage& m) {
  if (backend_.push_output(m)) return true;
  ++queue_full_;
  return false;
}

void DuetThread::emit_aux(std::vector<TimedMessage>& aux) {
  aux_gate_.send(
      aux,
      [this](const TimedMessage& m) { return push_counted(m); },
      [](const TimedMessage&) {});
  aux.clear();
}

void DuetThread::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

std::optional<std::string> DuetThread::submit(const ControlCommand& command, std::int64_t due_ns, bool on_bar_line) {
  if (auto why = validate(command, engine_.spec())) {
    log::warning("%s refused: %s", command_name(command), why->c_str());
    return why;
  }
  std::lock_guard lock(mutex_);
  controls_.push_back({command, due_ns, on_bar_line});
  return std::nullopt;
}

std::optional<std::string> DuetThread::check(const ControlCommand& command) const {
  return validate(command, engine_.spec());
}

bool DuetThread::due(const PendingControl& c, std::int64_t now_ns) const {
  if (now_ns < c.due_ns) return false;
  if (!c.on_bar_line) return true;
  // The frontier is where a control takes effect: wait until it stands on a bar line at or
  // after the due time (bars counted from step 0 in the current metre).
  const auto& cfg = engine_.config();
  const std::int64_t bar = static_cast<std::int64_t>(cfg.beats_per_bar) * engine_.spec().sample_freq;
  const std::int64_t frontier = engine_.frontier();
  return bar <= 0 || frontier % bar == 0 || engine_.mode() == DuetMode::listen;
}

// Clara's own notes end through the engine (its ledger and context agree), on the route
// they started on.
void DuetThread::end_claras_notes(std::vector<TimedMessage>& out) {
  engine_.set_mode(engine_.mode(), out);
  emit(out);
}

// Through the gate like her notes, so that a full queue holds it back instead of losing it and
// the session records it (a new track from there: session_tracks.hpp). Due one period ahead, at
// the next cycle, so that it is not counted late; her notes on the new route come later still.
void DuetThread::send_program(std::vector<TimedMessage>& out) {
  if (const auto pc = program_change(route_, backend_.now_ns() + backend_.period_ns())) {
    out.push_back(*pc);
    emit(out);
  }
}

void DuetThread::apply(const ControlCommand& command, std::vector<TimedMessage>& out) {
  if (const auto* m = std::get_if<SetMode>(&command)) {
    if (count_in_mode_) {  // she listens through the count-in and takes this mode after it
      count_in_mode_ = m->mode;
      return;
    }
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
    send_program(out);
  } else if (std::holds_alternative<Panic>(command)) {
    // Then the port-level panic catches anything else sounding.
    end_claras_notes(out);
    backend_.request_panic();
  } else if (std::holds_alternative<StopPlaying>(command)) {
    if (!resume_mode_) resume_mode_ = engine_.mode();
    engine_.set_mode(DuetMode::listen, out);
  } else if (std::holds_alternative<StartPlaying>(command)) {
    if (resume_mode_) engine_.set_mode(*resume_mode_, out);
    resume_mode_.reset();
  } else if (std::holds_alternative<ResetContext>(command)) {
    engine_.reset_context(out);
  } else if (const auto* p = std::get_if<SetPhrasing>(&command)) {
    engine_.set_phrasing(p->phrasing);
  } else if (const auto* sync = std::get_if<SetSync>(&command)) {
    if (tempo_source_) {
      std::vector<ControlCommand> then;
      tempo_source_->switch_to(sync->source, backend_.now_ns(), then);
      for (const auto& c : then) apply(c, out);
    }
  } else if (const auto* r = std::get_if<SetRoute>(&command)) {
    auto it = std::find_if(routes_.begin(), routes_.end(),
                           [&](const InstrumentRoute& x) { return x.instrument == r->instrument; });
    if (it == routes_.end()) {
      routes_.push_back(route_for(routes_, r->instrument));
      routes_.back().instrument = r->instrument;
      it = routes_.end() - 1;
    }
    it->channel = r->channel;
    it->program = r->program;
    if (r->shape) {
      it->output = r->shape->output;
      it->velocity_curve = r->shape->velocity_curve;
      it->note_low = r->shape->note_low;
      it->note_high = r->shape->note_high;
    }
    if (r->instrument == route_.instrument) {
      end_claras_notes(out);  // a note-off on the new channel would not end a note on the old one
      route_ = *it;
      send_program(out);
    }
  } else if (const auto* click = std::get_if<SetMetronome>(&command)) {
    metronome_ = click->on;
  } else if (const auto* swap = std::get_if<SwapModel>(&command)) {
    apply_swap(*swap);
  } else if (const auto* capture = std::get_if<CaptureContext>(&command)) {
    const auto& tokens = engine_.committed_tokens();
    const std::size_t begin = std::min(engine_.context_begin(), tokens.size());
    std::lock_guard lock(capture->copy->mutex);
    capture->copy->tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(begin), tokens.end());
    capture->copy->begin = begin;
    capture->copy->done = true;
  }
}

// The hot model swap at the bar line (daemon/model/model_swapper.hpp prepared it): the engine
// plays on with the new model; the old one goes back to the worker to be freed.
void DuetThread::apply_swap(const SwapModel& swap) {
  std::lock_guard lock(swap.ticket->mutex);
  if (swap.ticket->cancelled) return;
  try {
    engine_.swap_model(*swap.model, swap.fed_begin, swap.fed_until, swap.name, swap.sha256);
  } catch (const std::invalid_argument& e) {
    swap.ticket->failed = e.what();
    return;
  }
  swap.ticket->retired = std::exchange(model_, swap.model);
  swap.ticket->applied = true;
  log::notice("model: playing %s from step %lld", swap.name.c_str(), static_cast<long long>(engine_.frontier()));
}

std::optional<std::string> DuetThread::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

DuetStats DuetThread::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

DuetThread::TickTimes DuetThread::tick_times() const {
  std::lock_guard lock(mutex_);
  TickTimes t;
  for (auto n : tick_buckets_) t.ticks += n;
  t.max_us = tick_max_us_;
  if (t.ticks == 0) return t;
  auto quantile = [&](double q) {
    const auto target = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(t.ticks)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < tick_buckets_.size(); ++i)
      if ((seen += tick_buckets_[i]) >= target) return 10.0 * static_cast<double>(i + 1);
    return 10.0 * static_cast<double>(tick_buckets_.size());
  };
  t.p50_us = quantile(0.5);
  t.p99_us = quantile(0.99);
  return t;
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
      [this](const TimedMessage& m) { return push_counted(m); },
      [&](const TimedMessage& m) {
        if (recorder_ && !m.msg.is_system()) recorder_->clara(route_.instrument, route_.program, m);  // clock: not music
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
  // A slave stops with her, at the next cycle; the output side sends no tick after a Stop (ticks
  // already queued for later are swallowed there: output_scheduler.hpp).
  if (clock_ticks_ && clock_started_)
    aux_.push_back(TimedMessage{backend_.now_ns() + backend_.period_ns(), ShortMessage{0xFC, 0, 0},
                                static_cast<std::uint8_t>(route_.output)});
  emit_aux(aux_);
  if (ok) {
    try {
      engine_.stop(out);
      emit(out);
    } catch (const std::exception& e) {
      log::error("stopping the duet: %s", e.what());
    }
  }
  // What the gate still holds (note-offs a full queue turned away) goes out as the output side
  // makes room, and so into session.mid; the backend's stop panic ends the notes all the same,
  // but the session would show them held to its end. Bounded: a backend that takes nothing
  // (its server gone) must not hold up the exit.
  const auto limit = std::chrono::steady_clock::now() + kStopDrain;
  while (gate_.held() + aux_gate_.held() > 0 && std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    emit(out);
    emit_aux(aux_);
  }
  if (gate_.held() + aux_gate_.held() > 0)
    log::warning("stopping the duet: %zu messages could not be queued in %lld ms; the panic ends their notes",
                 gate_.held() + aux_gate_.held(), static_cast<long long>(kStopDrain.count()));
}

void DuetThread::run() {
  using clock = std::chrono::steady_clock;
  constexpr auto tick = std::chrono::milliseconds(1);
  auto deadline = clock::now();
  std::vector<TimedMessage> out;
  out.reserve(256);
  std::uint64_t answers_seen = 0;
  bool failed = false;
  if (count_in_steps_ > 0 && engine_.mode() != DuetMode::listen) {  // she listens through the count-in
    count_in_mode_ = engine_.mode();
    engine_.set_mode(DuetMode::listen, out);
    emit(out);
  }
  while (running_.load(std::memory_order_relaxed)) {
    deadline += tick;
    std::this_thread::sleep_until(deadline);
    if (clock::now() - deadline > 50 * tick) deadline = clock::now();  // suspended: do not race to catch up
    ticks_.fetch_add(1, std::memory_order_relaxed);

    TimedMessage in;
    if (failed) {  // keep draining input so the queue never fills; stay silent
      while (backend_.pop_input(in)) {
        if (recorder_) recorder_->human(in);
      }
      if (recorder_) recorder_->tick(engine_, backend_.now_ns());
      continue;
    }
    const auto work_start = clock::now();
    try {
      std::deque<PendingControl> controls;
      {
        // The due ones in order of arrival; a timed one waits without holding up the rest.
        const std::int64_t now = backend_.now_ns();
        std::lock_guard lock(mutex_);
        for (auto it = controls_.begin(); it != controls_.end();)
          if (due(*it, now)) {
            controls.push_back(std::move(*it));
            it = controls_.erase(it);
          } else {
            ++it;
          }
      }
      for (const auto& c : controls) {
        try {
          // A tempo asked for while Link keeps time goes to the session, not to the grid.
          const auto* t = std::get_if<SetTempo>(&c.command);
          if (t && tempo_source_ && tempo_source_->propose_tempo(t->bpm, backend_.now_ns())) continue;
          apply(c.command, out);
        } catch (const std::invalid_argument& e) {  // validated on entry; refused here all the same
          log::warning("%s refused: %s", command_name(c.command), e.what());
        }
      }
      while (backend_.pop_input(in)) {
        if (tempo_source_ && tempo_source_->input(in)) continue;
        if (input_filter_ && input_filter_(in)) continue;
        engine_.human(in.msg, in.time_ns);
        if (recorder_) recorder_->human(in);
      }
      if (tempo_source_) {  // before advance: a tempo or a stop applies before the next commit
        source_commands_.clear();
        tempo_source_->tick(engine_, backend_.now_ns(), source_commands_);
        for (const auto& c : source_commands_) {
          try {
            apply(c, out);
          } catch (const std::invalid_argument& e) {  // a bad tempo must not silence Clara for good
            log::warning("%s from the tempo source refused: %s", command_name(c), e.what());
          }
        }
      }
      const std::uint64_t stalls = engine_.stats().stalls;
      const std::int64_t stalled_ns = engine_.stats().stalled_ns;
      end_count_in(out);
      engine_.advance(backend_.now_ns(), out, [this] { return backend_.now_ns(); });
      send_clock(aux_);
      send_clicks(aux_);
      emit_aux(aux_);
      if (engine_.stats().stalls != stalls)  // once per stall, not per missed step
        log::warning("late: the duet fell %.0f ms behind the clock (a stall); the grid slid instead of a burst "
                     "(%llu stalls so far)",
                     static_cast<double>(engine_.stats().stalled_ns - stalled_ns) / 1e6,
                     static_cast<unsigned long long>(engine_.stats().stalls));
      emit(out);
      if (recorder_) {
        recorder_->tick(engine_, backend_.now_ns());  // hands new material to the writer thread
        engine_.seal_log(recorder_->inputs_handed());  // what it took is final
      }
      const auto& st = engine_.stats();
      const double work_us = std::chrono::duration<double, std::micro>(clock::now() - work_start).count();
      std::lock_guard lock(mutex_);
      if (st.answers != answers_seen && st.last_reaction_ns >= 0) {
        answers_seen = st.answers;
        reactions_.push_back(st.last_reaction_ns);
      }
      stats_ = st;
      const auto bucket = std::min<std::size_t>(static_cast<std::size_t>(work_us / 10.0), tick_buckets_.size() - 1);
      ++tick_buckets_[bucket];
      tick_max_us_ = std::max(tick_max_us_, work_us);
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
