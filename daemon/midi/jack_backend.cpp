// JACK backend: MIDI written from the process callback at the frame each message
// is due (RtMidi's JACK API writes everything at frame 0, up to a period late).
// The callback only moves fixed-size messages between lock-free queues and the
// OutputScheduler; connecting, waiting and closing happen on the caller's thread.
#include <jack/jack.h>
#include <jack/midiport.h>

#include <array>
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <regex>
#include <thread>

#include "daemon/midi/clock_input.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/output_queue.hpp"
#include "daemon/midi/output_scheduler.hpp"
#include "daemon/midi/port_patterns.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

constexpr std::size_t kQueueCapacity = 4096;

std::string server_label(const std::string& server) {
  if (!server.empty()) return server;
  const char* env = std::getenv("JACK_DEFAULT_SERVER");
  return env && *env ? env : "default";
}

class JackBackend final : public MidiBackend {
 public:
  explicit JackBackend(const BackendSettings& settings)
      : settings_(settings),
        input_patterns_("connect_input", settings.connect_input),
        input_queue_(kQueueCapacity) {
    if (settings.outputs.empty() || settings.outputs.size() > OutputScheduler::kMaxPorts)
      throw BackendError("JACK backend: " + std::to_string(settings.outputs.size()) +
                         " output ports configured; between 1 and " +
                         std::to_string(OutputScheduler::kMaxPorts) + " are supported");
    for (std::size_t i = 0; i < settings.outputs.size(); ++i)
      output_patterns_.emplace_back("outputs[" + std::to_string(i) + "].connect",
                                    settings.outputs[i].connect);
    scheduler_ = std::make_unique<OutputScheduler>(settings.outputs, settings.startup_panic_channels);
    open_client();
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
    auto_connect();
    // Output starts only now, so that the start-up panic reaches the ports
    // just connected (a synth left with hanging notes by a crash).
    output_enabled_.store(true, std::memory_order_release);
  }

  void stop() override {
    if (closed_.exchange(true)) return;
    if (started_ && connected_) {
      scheduler_->request_panic();
      // Bounded: a cycle is a few ms; a stalled server must not hold us up.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      while (!scheduler_->panic_done() && connected_ && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      // One whole cycle more before the ports go: a client that also plays
      // into us runs before us in JACK's graph (the feedback edge) and reads
      // what we wrote one cycle late, so it sees the panic only then.
      const std::uint64_t seen = cycles_.load(std::memory_order_acquire);
      while (cycles_.load(std::memory_order_acquire) < seen + 2 && connected_ &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      jack_deactivate(client_);
    }
    jack_client_close(client_);
    client_ = nullptr;
  }

  std::int64_t now_ns() const override { return static_cast<std::int64_t>(jack_get_time()) * 1000; }
  std::int64_t period_ns() const override { return period_ns_; }

  bool pop_input(TimedMessage& m) override { return input_queue_.pop(m); }
  // realtime-safe (the caller is not real-time, but the queue it shares is).
  bool push_output(const TimedMessage& m) override {
    switch (output_queue_->push(m, scheduler_->panic_epoch())) {
      case OutputQueue::Push::pushed: return true;
      case OutputQueue::Push::refused: scheduler_->count_refused_note_on(); return false;
      case OutputQueue::Push::full: return false;
    }
    return false;
  }
  void request_panic() override { scheduler_->request_panic(); }
  bool panic_done() const override { return scheduler_->panic_done(); }

  OutputStats stats() const override {
    OutputStats s = scheduler_->stats();
    s.input_messages = input_messages_.load(std::memory_order_relaxed);
    s.input_dropped = input_dropped_.load(std::memory_order_relaxed);
    return s;
  }
  bool connected() const override { return connected_; }
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
      for (const auto& out : settings_.outputs) outputs_.push_back(register_port(out.name, JackPortIsOutput));
      period_ns_ = static_cast<std::int64_t>(jack_get_buffer_size(client_)) * 1'000'000'000 /
                   static_cast<std::int64_t>(jack_get_sample_rate(client_));
      if (jack_set_process_callback(client_, &JackBackend::process_entry, this) != 0)
        throw BackendError("could not set the JACK process callback");
      jack_on_shutdown(client_, &JackBackend::shutdown_entry, this);
      if (jack_set_buffer_size_callback(client_, &JackBackend::buffer_size_entry, this) != 0)
        throw BackendError("could not set the JACK buffer size callback");
    } catch (...) {
      jack_client_close(client_);
      client_ = nullptr;
      closed_ = true;
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

  // After activation, on the caller's thread: connections need the server's
  // port list and may block, so they never happen in the callback.
  void auto_connect() {
    const std::string own_in = jack_port_name(input_);
    connect_matching(input_patterns_, JackPortIsOutput, [&](const char* src) {
      return std::pair<std::string, std::string>{src, own_in};
    });
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      const std::string own_out = jack_port_name(outputs_[i]);
      connect_matching(output_patterns_[i], JackPortIsInput, [&](const char* dst) {
        return std::pair<std::string, std::string>{own_out, dst};
      });
    }
  }

  template <class MakePair>
  void connect_matching(const PortPatterns& patterns, unsigned long flags, MakePair&& make_pair) {
    if (patterns.empty()) return;
    const char** names = jack_get_ports(client_, nullptr, JACK_DEFAULT_MIDI_TYPE, flags);
    if (!names) return;
    const std::string own_prefix = std::string(jack_get_client_name(client_)) + ":";
    for (const char** n = names; *n; ++n) {
      if (std::string_view(*n).starts_with(own_prefix) || !patterns.matches(*n)) continue;
      const auto [src, dst] = make_pair(*n);
      const int rc = jack_connect(client_, src.c_str(), dst.c_str());
      if (rc != 0 && rc != EEXIST)
        log::warning("could not connect JACK port %s to %s", src.c_str(), dst.c_str());
    }
    jack_free(names);
  }

  static int process_entry(jack_nframes_t nframes, void* self) {
    static_cast<JackBackend*>(self)->process(nframes);
    return 0;
  }
  static void shutdown_entry(void* self) { static_cast<JackBackend*>(self)->connected_ = false; }
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
          const int type = msg.type();
          const std::size_t size = type == 0xC0 || type == 0xD0 ? 2 : 3;
          // Fails when the port buffer is full; the scheduler keeps the ledger
          // to what was written and writes a failed note-off again next cycle.
          return jack_midi_event_write(buffers[static_cast<std::size_t>(port)], frame, bytes, size) == 0;
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
        const TimedMessage c{static_cast<std::int64_t>(jack_frames_to_time(client_, first_frame + ev.time)) * 1000,
                             clock, 0};
        input_messages_.fetch_add(1, std::memory_order_relaxed);
        if (!input_queue_.push(c)) input_dropped_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // Otherwise channel messages only (what the model and the ledger understand);
      // sysex and active sensing are not the human playing.
      if (ev.size < 2 || ev.size > 3 || ev.buffer[0] < 0x80 || ev.buffer[0] > 0xEF) continue;
      const int type = ev.buffer[0] & 0xF0;
      const std::size_t expected = type == 0xC0 || type == 0xD0 ? 2 : 3;
      if (ev.size != expected) continue;
      TimedMessage m;
      m.time_ns = static_cast<std::int64_t>(jack_frames_to_time(client_, first_frame + ev.time)) * 1000;
      m.msg = ShortMessage{ev.buffer[0], static_cast<std::uint8_t>(ev.buffer[1] & 0x7F),
                           static_cast<std::uint8_t>(expected == 3 ? ev.buffer[2] & 0x7F : 0)};
      m.port = 0;
      input_messages_.fetch_add(1, std::memory_order_relaxed);
      if (!input_queue_.push(m)) input_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  BackendSettings settings_;
  PortPatterns input_patterns_;
  std::vector<PortPatterns> output_patterns_;
  std::unique_ptr<OutputScheduler> scheduler_;
  boost::lockfree::spsc_queue<TimedMessage> input_queue_;
  std::unique_ptr<OutputQueue> output_queue_ = std::make_unique<OutputQueue>();
  jack_client_t* client_ = nullptr;
  jack_port_t* input_ = nullptr;
  std::vector<jack_port_t*> outputs_;
  std::atomic<std::int64_t> period_ns_{0};
  std::atomic<bool> started_{false}, closed_{false}, connected_{true}, output_enabled_{false};
  std::atomic<std::uint64_t> cycles_{0};  // process callbacks completed
  std::atomic<std::uint64_t> input_messages_{0}, input_dropped_{0};
};

}  // namespace

std::unique_ptr<MidiBackend> make_jack_backend(const BackendSettings& settings) {
  return std::make_unique<JackBackend>(settings);
}

}  // namespace clara::daemon
