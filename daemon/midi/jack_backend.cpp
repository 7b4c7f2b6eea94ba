// JACK backend: MIDI written from the process callback at the frame each message
// is due (RtMidi's JACK API writes everything at frame 0, up to a period late).
// The callback only moves fixed-size messages between lock-free queues and the
// OutputScheduler; connecting, waiting and closing happen on the caller's thread.
#include <jack/jack.h>
#include <jack/midiport.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include "daemon/midi/clock_input.hpp"
#include "daemon/midi/input_queue.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/output_queue.hpp"
#include "daemon/midi/output_scheduler.hpp"
#include "daemon/midi/stack_prefault.hpp"
#include "daemon/midi/port_patterns.hpp"
#include "daemon/midi/port_watch.hpp"
#include "daemon/midi/reconnect.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

// The watcher thread's period: a port that appears is connected within about this (plus JACK's
// own notification delay), well inside the 1 s clarad promises.
constexpr std::chrono::milliseconds kWatchPeriod{20};

// JACK prints every failed call to stderr; the watcher's calls fail by design while a server is
// away or a client is not active yet, so they run with a silent error function.
void quiet_jack_error(const char*) {}
struct QuietJackErrors {
  void (*saved)(const char*) = jack_error_callback;
  QuietJackErrors() { jack_set_error_function(&quiet_jack_error); }
  ~QuietJackErrors() { jack_set_error_function(saved); }
  QuietJackErrors(const QuietJackErrors&) = delete;
  QuietJackErrors& operator=(const QuietJackErrors&) = delete;
};

std::string server_label(const std::string& server) {
  if (!server.empty()) return server;
  const char* env = std::getenv("JACK_DEFAULT_SERVER");
  return env && *env ? env : "default";
}

// Patterns a reload asks for, waiting for the watcher thread.
class JackBackend final : public MidiBackend {
 public:
  explicit JackBackend(const BackendSettings& settings)
      : settings_(settings),
        input_patterns_("connect_input", settings.connect_input) {
    if (settings.outputs.empty() || settings.outputs.size() > OutputScheduler::kMaxPorts)
      throw BackendError("JACK backend: " + std::to_string(settings.outputs.size()) +
                         " output ports configured; between 1 and " +
                         std::to_string(OutputScheduler::kMaxPorts) + " are supported");
    for (std::size_t i = 0; i < settings.outputs.size(); ++i)
      output_patterns_.emplace_back("outputs[" + std::to_string(i) + "].connect",
                                    settings.outputs[i].connect);
    scheduler_ = std::make_unique<OutputScheduler>(settings.outputs, settings.startup_panic_channels);
    for (const auto& n : settings.left_sounding) scheduler_->recover_sounding(n.port, n.channel, n.key, n.depth);
    open_client();
    // Full names are fixed (JackUseExactName), so they hold across a server restart.
    watches_.emplace_back(jack_port_name(input_), input_patterns_);
    for (std::size_t i = 0; i < outputs_.size(); ++i)
      watches_.emplace_back(jack_port_name(outputs_[i]), output_patterns_[i]);
  }

  ~JackBackend() override {
    try {
      stop();
    } catch (...) {  // a destructor must not throw; stop() reports nothing worse than a bad close
    }
  }

  std::string_view kind() const override { return "jack"; }

  void start() override {
    if (started_ || closed_) return;
    if (jack_activate(client_) != 0)
      throw BackendError("could not activate JACK client '" + settings_.client_name + "'");
    started_ = true;
    scan_ports(false, false);
    // Output starts only now, so that the start-up panic reaches the ports
    // just connected (a synth left with hanging notes by a crash).
    output_enabled_.store(true, std::memory_order_release);
    initial_scan_done_ = true;
    watch_thread_.start([this] { return watch(); });
  }

  void stop() override {
    watch_thread_.stop();  // no re-open or reconnect from here on
    if (closed_.exchange(true)) return;
    if (!client_) return;  // the server went away and has not returned
    if (started_ && connected_) {
      panic_and_wait();
      jack_deactivate(client_);
    }
    jack_client_close(client_);
    client_ = nullptr;
  }

  std::optional<std::string> set_connections(const std::vector<std::string>& input,
                                             const std::vector<std::vector<std::string>>& outputs) override {
    return pending_connections_.offer(input, outputs, output_patterns_.size());
  }

  std::optional<std::string> rename_outputs(const std::vector<std::string>& names) override {
    if (names.size() != output_patterns_.size())
      return "clarad has " + std::to_string(output_patterns_.size()) + " output port(s); another number needs a restart";
    // What jack_port_rename would refuse, refused here, so that the reload can say so.
    const std::size_t room = static_cast<std::size_t>(jack_port_name_size()) - settings_.client_name.size() - 2;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string where = "outputs[" + std::to_string(i) + "].name '" + names[i] + "'";
      if (names[i].empty()) return where + ": a JACK port name must not be empty";
      if (names[i].size() > room) return where + ": longer than JACK allows (" + std::to_string(room) + " characters)";
      if (names[i] == settings_.input_name) return where + ": the input port's name";
      for (std::size_t j = 0; j < i; ++j)
        if (names[j] == names[i]) return where + ": also outputs[" + std::to_string(j) + "]'s";
    }
    std::lock_guard lock(pending_mutex_);
    pending_names_ = names;
    return std::nullopt;
  }

  std::int64_t now_ns() const override { return static_cast<std::int64_t>(jack_get_time()) * 1000; }
  std::int64_t period_ns() const override { return period_ns_; }

  bool pop_input(TimedMessage& m) override { return input_queue_.pop(m); }
  // realtime-safe (the caller is not real-time, but the queue it shares is).
  bool push_output(const TimedMessage& given) override {
    // Written earlier by the playback latency downstream of the port (a synth's buffer, the
    // sound card), so that each note sounds at its due time, not that much after it.
    TimedMessage m = given;
    if (m.port < OutputScheduler::kMaxPorts)
      m.time_ns -= output_latency_ns_[m.port].load(std::memory_order_relaxed);
    switch (output_queue_->push(m, scheduler_->panic_epoch())) {
      case OutputQueue::Push::pushed:
        if (settings_.commit_journal) settings_.commit_journal->written(given.port, given.msg);
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
    s.input_messages = input_queue_.messages();
    s.input_dropped = input_queue_.dropped();
    s.input_queue_high_water = input_queue_.high_water();
    s.input_queue_capacity = InputQueue::kCapacity;
    s.output_queue_high_water = output_queue_->high_water();
    s.output_queue_capacity = OutputQueue::kCapacity;
    s.input_latency_ns = input_latency_ns_.load(std::memory_order_relaxed);
    for (const auto& l : output_latency_ns_)
      s.output_latency_ns = std::max(s.output_latency_ns, l.load(std::memory_order_relaxed));
    return s;
  }
  bool connected() const override { return connected_; }
  bool recovering() const override { return settings_.reconnect && !connected_ && !closed_; }
  std::uint64_t cycles() const override { return cycles_.load(std::memory_order_relaxed); }

 private:
  void open_client() {
    int options = JackNoStartServer | JackUseExactName;
    if (!settings_.jack_server.empty()) options |= JackServerName;
    jack_status_t status{};
    client_ = jack_client_open(settings_.client_name.c_str(), static_cast<jack_options_t>(options),
                               &status, settings_.jack_server.c_str());
    const std::string server = server_label(settings_.jack_server);
    if (!client_) {
      if (status & JackNameNotUnique)
        throw BackendError("JACK client name '" + settings_.client_name +
                           "' is already taken on server '" + server + "'");
      if (status & (JackServerFailed | JackServerError))
        throw BackendError("no JACK server '" + server +
                           "' running: start one with `jackd -d dummy -r 48000 -p 128` or your usual setup");
      throw BackendError("could not open JACK client '" + settings_.client_name + "' on server '" +
                         server + "' (jack status 0x" + to_hex(status) + ")");
    }
    try {
      input_ = register_port(settings_.input_name, JackPortIsInput);
      outputs_.clear();
      for (const auto& out : settings_.outputs) outputs_.push_back(register_port(out.name, JackPortIsOutput));
      period_ns_ = static_cast<std::int64_t>(jack_get_buffer_size(client_)) * 1'000'000'000 /
                   static_cast<std::int64_t>(jack_get_sample_rate(client_));
      if (jack_set_process_callback(client_, &JackBackend::process_entry, this) != 0)
        throw BackendError("could not set the JACK process callback");
      jack_on_info_shutdown(client_, &JackBackend::shutdown_entry, this);
      if (jack_set_port_registration_callback(client_, &JackBackend::registration_entry, this) != 0)
        throw BackendError("could not set the JACK port registration callback");
      if (jack_set_buffer_size_callback(client_, &JackBackend::buffer_size_entry, this) != 0)
        throw BackendError("could not set the JACK buffer size callback");
      // The process thread's stack is touched before its first cycle (stack_prefault.hpp).
      if (jack_set_thread_init_callback(client_, [](void*) { prefault_stack(); }, nullptr) != 0)
        throw BackendError("could not set the JACK thread init callback");
      if (jack_set_latency_callback(client_, &JackBackend::latency_entry, this) != 0)
        throw BackendError("could not set the JACK latency callback");
    } catch (...) {
      jack_client_close(client_);
      client_ = nullptr;
      if (!started_) closed_ = true;  // a re-open after a server restart tries again instead
      throw;
    }
  }

  static std::string to_hex(unsigned v) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    do s.insert(s.begin(), digits[v & 15]); while (v >>= 4);
    return s;
  }

  jack_port_t* register_port(const std::string& name, unsigned long flags) {
    if (name.empty()) throw BackendError("JACK port names must not be empty");
    jack_port_t* p = jack_port_register(client_, name.c_str(), JACK_DEFAULT_MIDI_TYPE, flags, 0);
    if (!p)
      throw BackendError("could not register JACK MIDI port '" + settings_.client_name + ":" + name +
                         "' (name taken or too long?)");
    return p;
  }

  // After activation, on the caller's or the watcher's thread: connections need the server's port
  // list and may block, so they never happen in a callback. Connects what the patterns match and
  // is not connected yet (a port that appeared, or came back); a failed connection (its client not
  // active yet) is tried again by the watcher. A new connection of an output after start-up gets a
  // panic (a synth that was unplugged mid-note), unless `quiet` (the start-up or restart panic
  // covers it). `vanished`: a port went away since the last scan.
  void scan_ports(bool quiet, bool vanished) {
    const QuietJackErrors silence;
    bool new_output = false;
    for (std::size_t w = 0; w < watches_.size(); ++w) {
      PortWatch& watch = watches_[w];
      if (watch.empty()) continue;
      const bool is_input = w == 0;
      jack_port_t* own = is_input ? input_ : outputs_[w - 1];
      const char** names =
          jack_get_ports(client_, nullptr, JACK_DEFAULT_MIDI_TYPE, is_input ? JackPortIsOutput : JackPortIsInput);
      std::vector<std::string> present;
      const std::string own_prefix = settings_.client_name + ":";
      for (const char** n = names; n && *n; ++n)
        if (!std::string_view(*n).starts_with(own_prefix)) present.emplace_back(*n);
      if (names) jack_free(names);
      const auto scan = watch.scan(present, vanished, [&](const std::string& other) {
        return jack_port_connected_to(own, other.c_str()) != 0;
      });
      const std::string setting = is_input ? "connect_input" : "outputs[" + std::to_string(w - 1) + "].connect";
      watch.report(scan, "JACK", setting);
      for (const auto& other : scan.connect) {
        const std::string& src = is_input ? other : watch.own_port();
        const std::string& dst = is_input ? watch.own_port() : other;
        const int rc = jack_connect(client_, src.c_str(), dst.c_str());
        if (rc != 0 && rc != EEXIST) {
          watch.failed(other);
          continue;
        }
        watch.connected(other);
        new_output = new_output || !is_input;
        const bool back = std::find(scan.returned.begin(), scan.returned.end(), other) != scan.returned.end();
        log::info("%sconnected JACK port %s to %s", back ? "port is back: " : "", src.c_str(), dst.c_str());
      }
    }
    if (new_output && !quiet && initial_scan_done_) scheduler_->request_panic(settings_.startup_panic_channels);
  }

  bool retry_pending() const {
    return std::any_of(watches_.begin(), watches_.end(), [](const PortWatch& w) { return w.retry_pending(); });
  }

  // Requests the panic and waits until it is out and read, before a port goes (stop) or a
  // connection does (apply_connections). Bounded: a cycle is a few ms; a stalled server must not
  // hold us up.
  void panic_and_wait() {
    scheduler_->request_panic();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (!scheduler_->panic_done() && connected_ && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    // One whole cycle more: a client that also plays into us runs before us in JACK's graph (the
    // feedback edge) and reads what we wrote one cycle late, so it sees the panic only then.
    const std::uint64_t seen = cycles_.load(std::memory_order_acquire);
    while (cycles_.load(std::memory_order_acquire) < seen + 2 && connected_ &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
  }

  // New patterns from set_connections(), on the watcher thread: the connections the old patterns
  // made that the new ones do not match go (an output's after a panic, bounded like stop()'s, so
  // no note is left sounding on a synth it leaves), then the new patterns connect as at start.
  void apply_connections(ConnectionPatterns& next) {
    const QuietJackErrors silence;
    std::vector<std::pair<std::string, std::string>> leave;  // source, destination
    bool output_leaves = false;
    for (std::size_t w = 0; w < watches_.size(); ++w) {
      const bool is_input = w == 0;
      jack_port_t* own = is_input ? input_ : outputs_[w - 1];
      const PortPatterns& old = is_input ? input_patterns_ : output_patterns_[w - 1];
      const PortPatterns& now = is_input ? *next.input : next.outputs[w - 1];
      const char** others = jack_port_get_all_connections(client_, own);
      for (const char** o = others; o && *o; ++o) {
        if (!old.matches(*o) || now.matches(*o)) continue;  // by hand, or still wanted: stays
        leave.emplace_back(is_input ? *o : watches_[w].own_port(), is_input ? watches_[w].own_port() : *o);
        output_leaves = output_leaves || !is_input;
      }
      if (others) jack_free(others);
    }
    if (output_leaves) panic_and_wait();
    for (const auto& [src, dst] : leave) {
      jack_disconnect(client_, src.c_str(), dst.c_str());
      log::info("disconnected JACK port %s from %s (the new patterns do not match it)", src.c_str(), dst.c_str());
    }
    // In place: each PortWatch points at its patterns.
    input_patterns_ = std::move(*next.input);
    for (std::size_t i = 0; i < output_patterns_.size(); ++i) output_patterns_[i] = std::move(next.outputs[i]);
    for (auto& w : watches_) w.forget_all();
    scan_ports(false, false);
  }

  // New output names from rename_outputs(), on the watcher thread (the one that re-registers the
  // ports after a server restart, by settings_'s names, and scans by the watches' names).
  void apply_names(const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < names.size() && i < outputs_.size(); ++i) {
      if (names[i] == settings_.outputs[i].name) continue;
      const std::string before = jack_port_name(outputs_[i]);
      if (jack_port_rename(client_, outputs_[i], names[i].c_str()) != 0) {
        log::error("could not rename JACK port %s to %s:%s; it keeps its name", before.c_str(),
                   settings_.client_name.c_str(), names[i].c_str());
        continue;
      }
      settings_.outputs[i].name = names[i];
      watches_[i + 1].rename(jack_port_name(outputs_[i]));
      log::notice("renamed JACK port %s to %s (its connections stay)", before.c_str(), jack_port_name(outputs_[i]));
    }
  }

  // The watcher thread's tick: follow port registrations, or bring the client back after the
  // server went away. Returns how long to wait before the next tick.
  std::chrono::milliseconds watch() {
    if (!connected_.load(std::memory_order_acquire)) {
      if (!settings_.reconnect) return kWatchPeriod;  // reported by connected(); clarad exits
      return recover();
    }
    std::optional<std::vector<std::string>> names;
    {
      std::lock_guard lock(pending_mutex_);
      names.swap(pending_names_);
    }
    std::optional<ConnectionPatterns> next = pending_connections_.take();
    if (names) apply_names(*names);
    if (next) apply_connections(*next);
    const std::uint64_t regs = registrations_.load(std::memory_order_acquire);
    const std::uint64_t unregs = unregistrations_.load(std::memory_order_acquire);
    const bool changed = regs != seen_registrations_ || unregs != seen_unregistrations_;
    if (!changed && retry_pending()) {
      // A client registers its port before it activates and refuses connections until then:
      // every tick for a second, then every half second.
      if (++retry_ticks_ < 50 || retry_ticks_ % 25 == 0) scan_ports(false, false);
      return kWatchPeriod;
    }
    retry_ticks_ = 0;
    if (!changed) return kWatchPeriod;
    seen_registrations_ = regs;
    seen_unregistrations_ = unregs;
    scan_ports(false, unregs != last_scan_unregistrations_);
    last_scan_unregistrations_ = unregs;
    return kWatchPeriod;
  }

  // The server is away: close the dead client once, then try to open a new one with back-off.
  // On success the ports get their old names, the panic ends what sounded before the loss (the
  // ledger still holds it) and drops what was queued meanwhile (no late burst), and the patterns
  // are connected again.
  std::chrono::milliseconds recover() {
    using clock = std::chrono::steady_clock;
    const std::string server = server_label(settings_.jack_server);
    if (client_) {
      log::warning("JACK server '%s' went away (%s); clarad keeps its session and waits for it to return",
                   server.c_str(), shutdown_reason_[0] ? shutdown_reason_ : "no reason given");
      {
        const QuietJackErrors silence;
        jack_client_close(client_);
      }
      // Says where recovery stands if a libjack call ever blocks here: a CI run once waited 10 s
      // after "went away" with neither this line nor "not back yet" (not reproduced in 140 rounds).
      log::info("closed the lost JACK client; opening a new one as soon as the server answers");
      client_ = nullptr;
      input_ = nullptr;
      outputs_.clear();
      for (auto& w : watches_) w.forget_all();
      lost_at_ = clock::now();
      backoff_.reset();
      attempts_ = 0;
    }
    // The output path is alive, waiting for its server: the service watchdog must not kill clarad.
    cycles_.fetch_add(1, std::memory_order_relaxed);
    ++attempts_;
    try {
      const QuietJackErrors silence;
      open_client();
    } catch (const BackendError& e) {
      if (attempts_ == 1 || attempts_ % 120 == 0)
        log::info("JACK server '%s' not back yet (%s); trying again", server.c_str(), e.what());
      return backoff_.next();
    }
    // Silent until the patterns are connected, so that the panic reaches them; requested before
    // activation, so that nothing queued while the server was away is written before it.
    output_enabled_.store(false, std::memory_order_release);
    scheduler_->request_panic(settings_.startup_panic_channels);
    if (jack_activate(client_) != 0) {
      log::warning("JACK server '%s' is back but the client could not be activated; trying again", server.c_str());
      jack_client_close(client_);
      client_ = nullptr;
      outputs_.clear();
      output_enabled_.store(true, std::memory_order_release);
      return backoff_.next();
    }
    shutdown_reason_[0] = '\0';
    connected_.store(true, std::memory_order_release);
    seen_registrations_ = registrations_.load(std::memory_order_acquire);
    seen_unregistrations_ = last_scan_unregistrations_ = unregistrations_.load(std::memory_order_acquire);
    scan_ports(true, false);
    output_enabled_.store(true, std::memory_order_release);
    log::notice("JACK server '%s' is back: client '%s' re-opened %.1f s after the loss (%d attempts), ports "
                "re-registered and reconnected, panic sent",
                server.c_str(), settings_.client_name.c_str(),
                std::chrono::duration<double>(clock::now() - lost_at_).count(), attempts_);
    return kWatchPeriod;
  }

  static int process_entry(jack_nframes_t nframes, void* self) {
    static_cast<JackBackend*>(self)->process(nframes);
    return 0;
  }
  // Like a signal handler (JACK's rule for shutdown callbacks): copy the reason, set a flag.
  static void shutdown_entry(jack_status_t, const char* reason, void* self) {
    auto* b = static_cast<JackBackend*>(self);
    std::size_t i = 0;
    for (; reason && reason[i] && i + 1 < sizeof(b->shutdown_reason_); ++i) b->shutdown_reason_[i] = reason[i];
    b->shutdown_reason_[i] = '\0';
    b->connected_.store(false, std::memory_order_release);
  }
  // JACK's notification thread: count, and let the watcher thread do the connecting.
  static void registration_entry(jack_port_id_t, int registered, void* self) {
    auto* b = static_cast<JackBackend*>(self);
    (registered ? b->registrations_ : b->unregistrations_).fetch_add(1, std::memory_order_release);
  }
  // JACK's notification thread, whenever the graph's latencies change (a connection, a client
  // that declares its own): the playback latency after each output port (the most of what is
  // connected downstream) and the capture latency before the input port, in ns.
  static void latency_entry(jack_latency_callback_mode_t mode, void* self) {
    auto* b = static_cast<JackBackend*>(self);
    const auto rate = static_cast<std::int64_t>(jack_get_sample_rate(b->client_));
    if (rate <= 0) return;
    auto ns = [rate](jack_nframes_t frames) {
      return std::min<std::int64_t>(static_cast<std::int64_t>(frames) * 1'000'000'000 / rate, kMaxLatencyNs);
    };
    jack_latency_range_t range{};
    if (mode == JackPlaybackLatency) {
      for (std::size_t i = 0; i < b->outputs_.size() && i < b->output_latency_ns_.size(); ++i) {
        jack_port_get_latency_range(b->outputs_[i], JackPlaybackLatency, &range);
        b->output_latency_ns_[i].store(ns(range.max), std::memory_order_relaxed);
      }
    } else if (b->input_) {
      jack_port_get_latency_range(b->input_, JackCaptureLatency, &range);
      b->input_latency_ns_.store(ns(range.max), std::memory_order_relaxed);
    }
  }
  static int buffer_size_entry(jack_nframes_t nframes, void* self) {
    auto* b = static_cast<JackBackend*>(self);
    b->period_ns_ = static_cast<std::int64_t>(nframes) * 1'000'000'000 /
                    static_cast<std::int64_t>(jack_get_sample_rate(b->client_));
    return 0;
  }

  // Real-time: no allocation, lock, log or throw below.
  void process(jack_nframes_t nframes) {
    write_cycle(nframes);
    cycles_.fetch_add(1, std::memory_order_release);
  }

  void write_cycle(jack_nframes_t nframes) {
    const jack_nframes_t first_frame = jack_last_frame_time(client_);
    read_input(nframes, first_frame);

    jack_nframes_t current_frames = 0;
    jack_time_t current_usecs = 0, next_usecs = 0;
    float period_usecs = 0;
    if (jack_get_cycle_times(client_, &current_frames, &current_usecs, &next_usecs, &period_usecs) != 0) {
      current_usecs = jack_frames_to_time(client_, first_frame);
      next_usecs = jack_frames_to_time(client_, first_frame + nframes);
    }
    std::array<void*, OutputScheduler::kMaxPorts> buffers{};
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      buffers[i] = jack_port_get_buffer(outputs_[i], nframes);
      jack_midi_clear_buffer(buffers[i]);
    }
    if (!output_enabled_.load(std::memory_order_acquire)) return;
    // The scheduler drains the queue itself, after any panic, so that nothing
    // pushed before a panic request can be written after the panic.
    scheduler_->run_cycle(
        *output_queue_, static_cast<std::int64_t>(current_usecs) * 1000,
        static_cast<std::int64_t>(next_usecs) * 1000, nframes,
        [&](int port, std::uint32_t frame, ShortMessage msg) {
          const jack_midi_data_t bytes[3] = {msg.status, msg.data1, msg.data2};
          const std::size_t size = msg.size();
          // Fails when the port buffer is full; the scheduler keeps the ledger
          // to what was written and writes a failed note-off again next cycle.
          const bool written = jack_midi_event_write(buffers[static_cast<std::size_t>(port)], frame, bytes, size) == 0;
          if (written && settings_.journal) settings_.journal->written(port, msg);  // the crash ledger
          return written;
        });
  }

  void read_input(jack_nframes_t nframes, jack_nframes_t first_frame) {
    void* buffer = jack_port_get_buffer(input_, nframes);
    const std::uint32_t count = jack_midi_get_event_count(buffer);
    for (std::uint32_t i = 0; i < count; ++i) {
      jack_midi_event_t ev;
      if (jack_midi_event_get(&ev, buffer, i) != 0) continue;
      // MIDI Clock and transport go to the tempo source (daemon/sync) at their frame's time.
      if (ShortMessage clock; clock_message(ev.buffer, ev.size, clock)) {
        const TimedMessage c{static_cast<std::int64_t>(jack_frames_to_time(client_, first_frame + ev.time)) * 1000 -
                                 input_latency_ns_.load(std::memory_order_relaxed),
                             clock, 0};
        input_queue_.push(c);
        continue;
      }
      // Otherwise channel messages only (what the model and the ledger understand);
      // sysex and active sensing are not the human playing.
      if (ev.size < 2 || ev.size > 3 || ev.buffer[0] < 0x80 || ev.buffer[0] > 0xEF) continue;
      const int type = ev.buffer[0] & 0xF0;
      const std::size_t expected = type == 0xC0 || type == 0xD0 ? 2 : 3;
      if (ev.size != expected) continue;
      TimedMessage m;
      // When it was played, not when it reached the port: the capture latency before it.
      m.time_ns = static_cast<std::int64_t>(jack_frames_to_time(client_, first_frame + ev.time)) * 1000 -
                  input_latency_ns_.load(std::memory_order_relaxed);
      m.msg = ShortMessage{ev.buffer[0], static_cast<std::uint8_t>(ev.buffer[1] & 0x7F),
                           static_cast<std::uint8_t>(expected == 3 ? ev.buffer[2] & 0x7F : 0)};
      m.port = 0;
      input_queue_.push(m);
    }
  }

  BackendSettings settings_;
  PortPatterns input_patterns_;
  std::vector<PortPatterns> output_patterns_;
  std::unique_ptr<OutputScheduler> scheduler_;
  InputQueue input_queue_;
  std::unique_ptr<OutputQueue> output_queue_ = std::make_unique<OutputQueue>();
  jack_client_t* client_ = nullptr;
  jack_port_t* input_ = nullptr;
  std::vector<jack_port_t*> outputs_;
  std::atomic<std::int64_t> period_ns_{0};
  // A bound on what a latency callback may shift by: a graph reporting more is misconfigured.
  static constexpr std::int64_t kMaxLatencyNs = 1'000'000'000;
  std::array<std::atomic<std::int64_t>, OutputScheduler::kMaxPorts> output_latency_ns_{};
  std::atomic<std::int64_t> input_latency_ns_{0};
  std::atomic<bool> started_{false}, closed_{false}, connected_{true}, output_enabled_{false};
  std::atomic<std::uint64_t> cycles_{0};  // process callbacks completed
  // Hot-plug and server restarts (the watcher thread's; the callbacks only count and copy).
  std::vector<PortWatch> watches_;  // [0]: the input; [1 + i]: output i
  std::mutex pending_mutex_;        // rename_outputs() (a reload) hands new names to the watcher
  PendingConnections pending_connections_;  // set_connections() (a reload) to the watcher
  std::optional<std::vector<std::string>> pending_names_;  // rename_outputs(), for the watcher
  std::atomic<std::uint64_t> registrations_{0}, unregistrations_{0};
  std::uint64_t seen_registrations_ = 0, seen_unregistrations_ = 0, last_scan_unregistrations_ = 0;
  int retry_ticks_ = 0;
  bool initial_scan_done_ = false;
  char shutdown_reason_[256] = {};
  Backoff backoff_;
  int attempts_ = 0;
  std::chrono::steady_clock::time_point lost_at_{};
  WatchThread watch_thread_;  // last: stopped (joined) before the rest goes
};

}  // namespace

std::unique_ptr<MidiBackend> make_jack_backend(const BackendSettings& settings) {
  return std::make_unique<JackBackend>(settings);
}

}  // namespace clara::daemon
