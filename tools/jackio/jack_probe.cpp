#include "tools/jackio/jack_probe.hpp"

#include <jack/midiport.h>

#include <boost/lockfree/spsc_queue.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace clara::jackio {

namespace {
constexpr std::size_t kQueueCapacity = 1 << 16;

struct Scheduled {
  std::uint32_t frame;
  ShortMessage msg;
};
}  // namespace

struct JackProbe::Impl {
  jack_client_t* client = nullptr;
  jack_port_t* in = nullptr;
  jack_port_t* out = nullptr;
  // Written by play() before `armed` is released; read by the callback after.
  std::vector<Scheduled> schedule;
  std::size_t next = 0;  // callback only
  std::atomic<bool> armed{false}, done{false};
  boost::lockfree::spsc_queue<ProbeEvent> recorded{kQueueCapacity};
  boost::lockfree::spsc_queue<ProbeEvent> played{kQueueCapacity};
  std::atomic<std::uint64_t> dropped{0};

  static int process_entry(jack_nframes_t n, void* self) {
    static_cast<Impl*>(self)->process(n);
    return 0;
  }

  void keep(boost::lockfree::spsc_queue<ProbeEvent>& q, const ProbeEvent& e) {
    if (!q.push(e)) dropped.fetch_add(1, std::memory_order_relaxed);
  }

  // Real-time: queues and atomics only.
  void process(jack_nframes_t n) {
    const jack_nframes_t start = jack_last_frame_time(client);
    void* in_buffer = jack_port_get_buffer(in, n);
    for (std::uint32_t i = 0, count = jack_midi_get_event_count(in_buffer); i < count; ++i) {
      jack_midi_event_t ev;
      if (jack_midi_event_get(&ev, in_buffer, i) != 0 || ev.size < 1 || ev.size > 3) continue;
      const jack_nframes_t frame = start + ev.time;
      keep(recorded, ProbeEvent{frame, static_cast<std::int64_t>(jack_frames_to_time(client, frame)) * 1000,
                                ShortMessage{ev.buffer[0], ev.size > 1 ? ev.buffer[1] : std::uint8_t{0},
                                             ev.size > 2 ? ev.buffer[2] : std::uint8_t{0}}});
    }
    void* out_buffer = jack_port_get_buffer(out, n);
    jack_midi_clear_buffer(out_buffer);
    if (!armed.load(std::memory_order_acquire) || done.load(std::memory_order_relaxed)) return;
    for (; next < schedule.size(); ++next) {
      const Scheduled& s = schedule[next];
      const auto offset = static_cast<std::int32_t>(s.frame - start);  // frame counters wrap
      if (offset >= static_cast<std::int32_t>(n)) break;
      const jack_nframes_t at = offset < 0 ? 0 : static_cast<jack_nframes_t>(offset);
      const int type = s.msg.status & 0xF0;
      // MIDI Clock and transport (0xF8..0xFC) are one byte; Song Position Pointer three.
      const std::size_t size = s.msg.status >= 0xF8 ? 1 : type == 0xC0 || type == 0xD0 ? 2 : 3;
      const jack_midi_data_t bytes[3] = {s.msg.status, s.msg.data1, s.msg.data2};
      if (jack_midi_event_write(out_buffer, at, bytes, size) != 0) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      keep(played, ProbeEvent{start + at, static_cast<std::int64_t>(jack_frames_to_time(client, start + at)) * 1000,
                              s.msg});
    }
    if (next == schedule.size()) done.store(true, std::memory_order_release);
  }
};

JackProbe::JackProbe(const std::string& server, const std::string& client_name) : impl_(std::make_unique<Impl>()) {
  int options = JackNoStartServer | JackUseExactName;
  if (!server.empty()) options |= JackServerName;
  jack_status_t status{};
  impl_->client = jack_client_open(client_name.c_str(), static_cast<jack_options_t>(options), &status, server.c_str());
  const char* env = std::getenv("JACK_DEFAULT_SERVER");
  const std::string label = !server.empty() ? server : env && *env ? env : "default";
  if (!impl_->client) {
    if (status & JackNameNotUnique)
      throw JackProbeError("JACK client name '" + client_name + "' is taken on server '" + label + "'");
    throw JackProbeError("no JACK server '" + label +
                         "' running: start one with `jackd -d dummy -r 48000 -p 128` or your usual setup");
  }
  impl_->in = jack_port_register(impl_->client, "in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
  impl_->out = jack_port_register(impl_->client, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
  if (!impl_->in || !impl_->out || jack_set_process_callback(impl_->client, &Impl::process_entry, impl_.get()) != 0 ||
      jack_activate(impl_->client) != 0) {
    jack_client_close(impl_->client);
    throw JackProbeError("could not set up JACK client '" + client_name + "' on server '" + label + "'");
  }
}

JackProbe::~JackProbe() {
  jack_deactivate(impl_->client);
  jack_client_close(impl_->client);
}

std::string JackProbe::input_port() const { return jack_port_name(impl_->in); }
std::string JackProbe::output_port() const { return jack_port_name(impl_->out); }
std::uint32_t JackProbe::sample_rate() const { return jack_get_sample_rate(impl_->client); }
std::uint32_t JackProbe::frame_time() const { return jack_frame_time(impl_->client); }

void JackProbe::connect(const std::string& from, const std::string& to) {
  const int rc = jack_connect(impl_->client, from.c_str(), to.c_str());
  if (rc != 0 && rc != EEXIST) throw JackProbeError("could not connect JACK port " + from + " to " + to);
}

void JackProbe::play(const std::vector<TimedMessage>& messages, std::uint32_t start_frame) {
  if (impl_->armed.load()) throw JackProbeError("the probe plays one list only");
  const double rate = sample_rate();
  impl_->schedule.clear();
  for (const auto& m : messages)
    impl_->schedule.push_back(
        {start_frame + static_cast<std::uint32_t>(std::llround(static_cast<double>(m.time_ns) * rate / 1e9)), m.msg});
  impl_->armed.store(true, std::memory_order_release);
}

bool JackProbe::play_done() const { return impl_->done.load(std::memory_order_acquire); }

namespace {
std::vector<ProbeEvent> drain(boost::lockfree::spsc_queue<ProbeEvent>& q) {
  std::vector<ProbeEvent> out;
  ProbeEvent e;
  while (q.pop(e)) out.push_back(e);
  return out;
}
}  // namespace

std::vector<ProbeEvent> JackProbe::take_played() { return drain(impl_->played); }
std::vector<ProbeEvent> JackProbe::take_recorded() { return drain(impl_->recorded); }
std::uint64_t JackProbe::dropped() const { return impl_->dropped.load(std::memory_order_relaxed); }

}  // namespace clara::jackio
