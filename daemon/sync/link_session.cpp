#include "daemon/sync/link_session.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

#if CLARA_HAVE_LINK
#include <ableton/Link.hpp>
#endif

namespace clara::daemon {

#if CLARA_HAVE_LINK
namespace {

// Reads of the host clock between two of Link's: the narrowest bracket of these is kept (a
// preemption between the reads widens it).
constexpr int kOffsetReads = 3;

class LinkSession final : public LinkPort {
 public:
  LinkSession(double bpm, HostClock host) : link_(bpm), host_(std::move(host)) {
    link_.enableStartStopSync(true);  // the session's Start and Stop start and stop Clara
    link_.enable(true);
  }
  ~LinkSession() override { link_.enable(false); }

  // realtime-safe (Link's audio-thread capture; one thread only)
  LinkState capture(std::int64_t now_ns, double quantum) override {
    const std::int64_t offset = host_minus_link_ns();
    const auto state = link_.captureAudioSessionState();
    const std::chrono::microseconds at((now_ns - offset) / 1000);
    return {state.tempo(), state.beatAtTime(at, quantum), at.count() * 1000 + offset, state.isPlaying(),
            link_.numPeers()};
  }
  // realtime-safe; the tempo applies from now on, the beat at now kept (the session's other
  // peers follow within their next message)
  void propose_tempo(double bpm, std::int64_t now_ns) override {
    auto state = link_.captureAudioSessionState();
    state.setTempo(bpm, std::chrono::microseconds((now_ns - host_minus_link_ns()) / 1000));
    link_.commitAudioSessionState(state);
  }

 private:
  // The host clock minus Link's, now (to a microsecond: Link's clock counts them). realtime-safe
  std::int64_t host_minus_link_ns() {
    std::int64_t best = 0, spread = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < kOffsetReads; ++i) {
      const std::int64_t l1 = link_.clock().micros().count() * 1000;
      const std::int64_t h = host_();
      const std::int64_t l2 = link_.clock().micros().count() * 1000;
      if (l2 - l1 < spread) {
        spread = l2 - l1;
        best = h - (l1 + l2) / 2;
      }
    }
    return best;
  }

  ableton::Link link_;
  HostClock host_;
};

}  // namespace

std::unique_ptr<LinkPort> join_link_session(double bpm, HostClock host) {
  return std::make_unique<LinkSession>(bpm, std::move(host));
}
bool link_built() { return true; }
#else
std::unique_ptr<LinkPort> join_link_session(double, HostClock) {
  throw std::runtime_error("this clarad was built without Ableton Link (CLARA_WITH_LINK=OFF)");
}
bool link_built() { return false; }
#endif

}  // namespace clara::daemon
