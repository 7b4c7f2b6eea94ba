// ALSA sequencer backend through RtMidi: virtual ports "Clara In" / "Clara Out", and the ports
// whose names match the settings' patterns connected to them by subscription as they appear
// (AlsaPortFollower, on a watcher thread of its own).
// ALSA has no process cycle, so a clock thread (SCHED_FIFO when allowed) sleeps
// to absolute CLOCK_MONOTONIC deadlines, a 1 ms tick or earlier when something
// is due, and sends what the OutputScheduler says is due.
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <RtMidi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "daemon/midi/alsa_port_follower.hpp"
#include "daemon/midi/alsa_sequencer.hpp"
#include "daemon/midi/clock_input.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/input_queue.hpp"
#include "daemon/midi/output_queue.hpp"
#include "daemon/midi/output_scheduler.hpp"
#include "daemon/midi/stack_prefault.hpp"
#include "daemon/midi/port_patterns.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

constexpr std::int64_t kTickNs = 1'000'000;
constexpr int kClockPriority = 70;
constexpr std::chrono::milliseconds kWatchWait{100};
constexpr const char* kSequencerDevice = "/dev/snd/seq";

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The JACK short names double as defaults; ALSA users see the names the issue promises.
std::string alsa_port_name(const std::string& name) {
  if (name == "midi_in") return "Clara In";
  if (name == "midi_out") return "Clara Out";
  return name;
}

template <class F>
auto rtmidi(const std::string& doing, F&& f) {
  try {
    return f();
  } catch (const RtMidiError& e) {
    throw BackendError("ALSA (RtMidi): " + doing + ": " + e.getMessage());
  }
}

class AlsaBackend final : public MidiBackend {
 public:
  explicit AlsaBackend(const BackendSettings& settings)
      : settings_(settings),
        input_patterns_("connect_input", settings.connect_input) {
    if (settings.outputs.empty() || settings.outputs.size() > OutputScheduler::kMaxPorts)
      throw BackendError("ALSA backend: " + std::to_string(settings.outputs.size()) +
                         " output ports configured; between 1 and " +
                         std::to_string(OutputScheduler::kMaxPorts) + " are supported");
    if (::access(kSequencerDevice, R_OK | W_OK) != 0)
      throw BackendError(std::string("ALSA sequencer unavailable: ") + kSequencerDevice + " " +
                         (errno == ENOENT ? "is missing (load the snd-seq kernel module)"
                                          : std::string("cannot be opened: ") + std::strerror(errno)) +
                         "; or use --backend jack");
    for (std::size_t i = 0; i < settings.outputs.size(); ++i)
      output_patterns_.emplace_back("outputs[" + std::to_string(i) + "].connect",
                                    settings.outputs[i].connect);
    scheduler_ = std::make_unique<OutputScheduler>(settings.outputs, settings.startup_panic_channels);
    for (const auto& n : settings.left_sounding) scheduler_->recover_sounding(n.port, n.channel, n.key, n.depth);

    // The virtual ports exist from construction, like JACK's registered ports.
    add_input(alsa_port_name(settings.input_name));
    outputs_.resize(settings.outputs.size());
    for (std::size_t i = 0; i < settings.outputs.size(); ++i) {
      auto out = rtmidi("creating an output", [&] {
        return std::make_unique<RtMidiOut>(RtMidi::LINUX_ALSA, settings_.client_name);
      });
      const std::string name = alsa_port_name(settings.outputs[i].name);
      rtmidi("opening virtual port '" + name + "'", [&] { out->openVirtualPort(name); });
      watch_errors(*out);
      outputs_[i].push_back(std::move(out));
    }
    // Always, not only with patterns: a reload may bring some.
    sequencer_ = open_alsa_sequencer(settings_.client_name);
    std::vector<std::string> output_names;
    for (const auto& o : settings_.outputs) output_names.push_back(alsa_port_name(o.name));
    follower_ = std::make_unique<AlsaPortFollower>(*sequencer_, settings_.client_name,
                                                   alsa_port_name(settings_.input_name), input_patterns_,
                                                   output_names, output_patterns_);
  }

  ~AlsaBackend() override {
    try {
      stop();
    } catch (...) {  // a destructor must not throw
    }
  }

  std::string_view kind() const override { return "alsa"; }

  void start() override {
    if (started_ || closed_) return;
    // Connected before the clock's first tick, so that its start-up panic reaches them; after that
    // the watcher connects what appears and panics on a new output connection, as with JACK.
    follow_ports(/*gone=*/false);
    initial_scan_done_ = true;
    running_ = true;
    clock_ = std::thread([this] { clock_loop(); });
    report_priority();
    watching_ = true;
    watcher_ = std::thread([this] { watch_loop(); });
    started_ = true;
  }

  void stop() override {
    if (closed_.exchange(true)) return;
    watching_ = false;
    if (watcher_.joinable()) watcher_.join();
    if (started_) {
      panic_and_wait();
      running_ = false;
      clock_.join();
    }
    // Ports close now; the objects (and the input queues, which the inference
    // thread may still be reading) live until the backend does.
    for (auto& in : inputs_) {
      in->midi->cancelCallback();
      in->midi->closePort();
    }
    for (auto& port : outputs_)
      for (auto& out : port) out->closePort();
  }

  std::int64_t now_ns() const override { return monotonic_ns(); }
  std::int64_t period_ns() const override { return kTickNs; }

  // One input today (others reach it by subscription); kept general: with several, each has its
  // own queue (RtMidi gives each its own thread, and an spsc queue has one producer) and the
  // earliest message goes first. The list is fixed before the inference thread reads.
  bool pop_input(TimedMessage& m) override {
    Input* best = nullptr;
    const TimedMessage* earliest = nullptr;
    for (auto& in : inputs_)
      if (const TimedMessage* next = in->queue.peek(); next && (!earliest || next->time_ns < earliest->time_ns)) {
        best = in.get();
        earliest = next;
      }
    return best && best->queue.pop(m);
  }
  bool push_output(const TimedMessage& m) override {
    switch (output_queue_->push(m, scheduler_->panic_epoch())) {
      case OutputQueue::Push::pushed:
        if (settings_.commit_journal) settings_.commit_journal->written(m.port, m.msg);
        return true;
      case OutputQueue::Push::refused: scheduler_->count_refused_note_on(); return false;
      case OutputQueue::Push::full: return false;
    }
    return false;
  }
  void request_panic() override { scheduler_->request_panic(); }
  bool panic_done() const override { return scheduler_->panic_done(); }

  OutputStats stats() const override {
    OutputStats s = scheduler_->stats();
    for (const auto& in : inputs_) {
      s.input_messages += in->queue.messages();
      s.input_dropped += in->queue.dropped();
      s.input_queue_high_water = std::max<std::uint64_t>(s.input_queue_high_water, in->queue.high_water());
    }
    s.input_queue_capacity = InputQueue::kCapacity;
    s.output_queue_high_water = output_queue_->high_water();
    s.output_queue_capacity = OutputQueue::kCapacity;
    return s;
  }
  bool connected() const override { return !closed_; }
  std::optional<std::string> set_connections(const std::vector<std::string>& input,
                                             const std::vector<std::vector<std::string>>& outputs) override {
    return pending_connections_.offer(input, outputs, output_patterns_.size());
  }
  std::uint64_t cycles() const override { return cycles_.load(std::memory_order_relaxed); }

 private:
  struct Input {
    std::uint8_t index = 0;
    std::unique_ptr<RtMidiIn> midi;
    InputQueue queue;
  };

  // The virtual port; what plays into it is connected to it by subscription (AlsaPortFollower).
  void add_input(const std::string& name) {
    auto in = std::make_unique<Input>();
    in->index = static_cast<std::uint8_t>(inputs_.size());
    in->midi = rtmidi("creating an input",
                      [&] { return std::make_unique<RtMidiIn>(RtMidi::LINUX_ALSA, settings_.client_name); });
    rtmidi("opening input port '" + name + "'", [&] { in->midi->openVirtualPort(name); });
    in->midi->ignoreTypes(true, false, true);  // sysex and active sensing; MIDI Clock is the tempo source's
    in->midi->setCallback(&AlsaBackend::on_input, in.get());
    inputs_.push_back(std::move(in));
  }

  // On the watcher thread (and once in start()): connects what the patterns match and is not
  // connected yet. A new output connection after start-up gets a panic: a synth that was
  // unplugged mid-note, or one that was never told.
  void follow_ports(bool gone) {
    try {
      const AlsaPortFollower::Result r = follower_->scan(gone);
      if (r.new_output && initial_scan_done_) scheduler_->request_panic(settings_.startup_panic_channels);
    } catch (const std::exception& e) {  // the sequencer refused a listing: tried at the next change
      log::warning("ALSA port following: %s", e.what());
    }
  }

  // The announce port says when a client or port comes or goes; a refused connection (a client
  // not ready yet) is tried again every kWatchWait.
  void watch_loop() {
    while (watching_.load(std::memory_order_acquire)) {
      const SeqChange change = sequencer_->wait(kWatchWait);
      if (std::optional<ConnectionPatterns> next = pending_connections_.take()) {
        apply_connections(*next);
        continue;
      }
      if (change.any || follower_->retry_pending()) follow_ports(change.gone);
    }
  }

  // New patterns from set_connections(), on the watcher thread: the connections the old patterns
  // made that the new ones do not match go (an output's after a panic, so that no note is left
  // sounding on a synth it leaves), then the new patterns connect as at start.
  void apply_connections(ConnectionPatterns& next) {
    try {
      const auto leave = follower_->leaving(*next.input, next.outputs);
      if (std::any_of(leave.begin(), leave.end(), [](const auto& l) { return l.output; })) panic_and_wait();
      for (const auto& l : leave) {
        const std::string error = sequencer_->unsubscribe(l.from, l.to);
        if (error.empty())
          log::info("disconnected ALSA port %s from %s (the new patterns do not match it)", l.from_name.c_str(),
                    l.to_name.c_str());
        else
          log::warning("could not disconnect ALSA port %s from %s: %s", l.from_name.c_str(), l.to_name.c_str(),
                       error.c_str());
      }
    } catch (const std::exception& e) {
      log::warning("ALSA port following: %s", e.what());
    }
    // In place: the follower's watches point at these.
    input_patterns_ = std::move(*next.input);
    for (std::size_t i = 0; i < output_patterns_.size(); ++i) output_patterns_[i] = std::move(next.outputs[i]);
    follower_->forget_all();
    follow_ports(false);
  }

  // Requests the panic and waits until the clock thread has sent it, bounded: before the ports
  // close (stop) or a synth is disconnected (apply_connections).
  void panic_and_wait() {
    scheduler_->request_panic();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (!scheduler_->panic_done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
  }

  // RtMidi's input thread. Real-time rules: timestamp, copy, push, count.
  static void on_input(double, std::vector<unsigned char>* message, void* user) {
    auto* in = static_cast<Input*>(user);
    if (ShortMessage clock; message && clock_message(message->data(), message->size(), clock)) {
      const TimedMessage c{monotonic_ns(), clock, in->index};
      in->queue.push(c);
      return;
    }
    if (!message || message->size() < 2 || message->size() > 3) return;
    const unsigned char status = (*message)[0];
    if (status < 0x80 || status > 0xEF) return;
    const int type = status & 0xF0;
    const std::size_t expected = type == 0xC0 || type == 0xD0 ? 2 : 3;
    if (message->size() != expected) return;
    TimedMessage m;
    m.time_ns = monotonic_ns();
    m.msg = ShortMessage{status, static_cast<std::uint8_t>((*message)[1] & 0x7F),
                         static_cast<std::uint8_t>(expected == 3 ? (*message)[2] & 0x7F : 0)};
    m.port = in->index;
    in->queue.push(m);
  }

  void report_priority() {
    sched_param param{};
    param.sched_priority = kClockPriority;
    const int rc = pthread_setschedparam(clock_.native_handle(), SCHED_FIFO, &param);
    if (rc == 0)
      log::info("ALSA clock thread at SCHED_FIFO priority %d", kClockPriority);
    else
      log::warning("ALSA clock thread at normal priority (SCHED_FIFO refused: %s; grant rtprio to run real-time)",
                   std::strerror(rc));
  }

  // Real-time: no allocation, lock, log or throw below (RtMidi's ALSA send
  // encodes into a buffer it sized when the port opened).
  void clock_loop() {
    prefault_stack();  // before the first tick: no page fault on its first deep call
    std::int64_t next_tick = monotonic_ns();
    while (running_.load(std::memory_order_acquire)) {
      const std::int64_t now = monotonic_ns();
      // The scheduler drains the queue itself, after any panic, so that
      // nothing pushed before a panic request is sent after the panic.
      scheduler_->run_now(*output_queue_, now, kTickNs, [&](int port, std::uint32_t, ShortMessage msg) {
        return send(static_cast<std::size_t>(port), msg);
      });
      cycles_.fetch_add(1, std::memory_order_relaxed);  // realtime-safe: the watchdog's sign of life
      next_tick += kTickNs;
      if (next_tick <= now) next_tick = now + kTickNs;  // slept through ticks: do not race to catch up
      const std::int64_t deadline = std::min(next_tick, scheduler_->next_due_ns());
      timespec ts{static_cast<time_t>(deadline / 1'000'000'000), static_cast<long>(deadline % 1'000'000'000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
      }
    }
  }

  // Sends to every connection of the port. RtMidi reports a failed ALSA send
  // through the error callback (send_failed) or, for worse errors, by
  // exception. A note-on counts as written when any connection took it (the
  // ledger must know it, so that a panic ends it there); anything else only
  // when all did, and a failed note-off is then sent again next tick (a
  // second note-off to the connections that had it is harmless).
  bool send(std::size_t port, ShortMessage msg) {
    const unsigned char bytes[3] = {msg.status, msg.data1, msg.data2};
    const std::size_t size = msg.size();
    bool any = false, all = true;
    for (auto& out : outputs_[port]) {
      send_failed_ = false;
      try {
        out->sendMessage(bytes, size);
      } catch (...) {  // never let one out of here
        send_failed_ = true;
      }
      any = any || !send_failed_;
      all = all && !send_failed_;
    }
    const bool written = msg.is_note_on() ? any : all;
    if (written && settings_.journal) settings_.journal->written(static_cast<int>(port), msg);  // the crash ledger
    return written;
  }

  // Set only after a port is open: with a callback RtMidi stops throwing, and
  // opening errors must still throw. Runs on the thread whose call failed.
  void watch_errors(RtMidiOut& out) {
    out.setErrorCallback(
        [](RtMidiError::Type, const std::string&, void* self) { static_cast<AlsaBackend*>(self)->send_failed_ = true; },
        this);
  }

  BackendSettings settings_;
  PortPatterns input_patterns_;
  std::vector<PortPatterns> output_patterns_;
  std::unique_ptr<OutputScheduler> scheduler_;
  std::unique_ptr<OutputQueue> output_queue_ = std::make_unique<OutputQueue>();
  // Written by the error callback during a send, on the clock thread.
  bool send_failed_ = false;
  std::vector<std::unique_ptr<Input>> inputs_;
  std::vector<std::vector<std::unique_ptr<RtMidiOut>>> outputs_;
  std::thread clock_;
  PendingConnections pending_connections_;  // set_connections() (a reload) to the watcher
  std::unique_ptr<Sequencer> sequencer_;   // hot-plug and live connection patterns
  std::unique_ptr<AlsaPortFollower> follower_;
  std::thread watcher_;
  std::atomic<bool> watching_{false};
  bool initial_scan_done_ = false;
  std::atomic<bool> running_{false}, started_{false}, closed_{false};
  std::atomic<std::uint64_t> cycles_{0};  // clock loop wake-ups, for cycles()
};

}  // namespace

std::unique_ptr<MidiBackend> make_alsa_backend(const BackendSettings& settings) {
  return std::make_unique<AlsaBackend>(settings);
}

}  // namespace clara::daemon
