// The kernel sequencer through alsa-lib: a client with one port that hears the system announce
// port (0:1), which tells every client of each client and port that starts, ends or changes.
#include "daemon/midi/alsa_sequencer.hpp"

#include <alsa/asoundlib.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {
namespace {

class AlsaSequencer final : public Sequencer {
 public:
  explicit AlsaSequencer(const std::string& client_name) {
    // Non-blocking input: wait() polls, then drains what came.
    if (const int rc = snd_seq_open(&seq_, "default", SND_SEQ_OPEN_DUPLEX, SND_SEQ_NONBLOCK); rc < 0)
      throw BackendError(std::string("ALSA sequencer: cannot open it to follow ports: ") + snd_strerror(rc));
    snd_seq_set_client_name(seq_, client_name.c_str());
    self_ = snd_seq_client_id(seq_);
    port_ = snd_seq_create_simple_port(seq_, "port announcements",
                                       SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_NO_EXPORT,
                                       SND_SEQ_PORT_TYPE_APPLICATION);
    int rc = port_;
    if (rc >= 0) rc = snd_seq_connect_from(seq_, port_, SND_SEQ_CLIENT_SYSTEM, SND_SEQ_PORT_SYSTEM_ANNOUNCE);
    if (rc < 0) {
      snd_seq_close(seq_);
      throw BackendError(std::string("ALSA sequencer: cannot hear its port announcements: ") + snd_strerror(rc));
    }
  }
  ~AlsaSequencer() override { snd_seq_close(seq_); }
  AlsaSequencer(const AlsaSequencer&) = delete;
  AlsaSequencer& operator=(const AlsaSequencer&) = delete;

  std::vector<SeqPort> ports() override {
    std::vector<SeqPort> out;
    snd_seq_client_info_t* client = nullptr;
    snd_seq_port_info_t* port = nullptr;
    snd_seq_client_info_alloca(&client);
    snd_seq_port_info_alloca(&port);
    snd_seq_client_info_set_client(client, -1);
    while (snd_seq_query_next_client(seq_, client) >= 0) {
      const int c = snd_seq_client_info_get_client(client);
      if (c == SND_SEQ_CLIENT_SYSTEM || c == self_) continue;
      snd_seq_port_info_set_client(port, c);
      snd_seq_port_info_set_port(port, -1);
      while (snd_seq_query_next_port(seq_, port) >= 0) {
        const unsigned caps = snd_seq_port_info_get_capability(port);
        if (caps & SND_SEQ_PORT_CAP_NO_EXPORT) continue;  // private: not for others to connect
        // MIDI ports only, as RtMidi lists them (so as `clarad --list-ports` shows them).
        const unsigned type = snd_seq_port_info_get_type(port);
        if (!(type & (SND_SEQ_PORT_TYPE_MIDI_GENERIC | SND_SEQ_PORT_TYPE_SYNTH | SND_SEQ_PORT_TYPE_APPLICATION)))
          continue;
        SeqPort p;
        p.address = {c, snd_seq_port_info_get_port(port)};
        p.client_name = snd_seq_client_info_get_name(client);
        p.port_name = snd_seq_port_info_get_name(port);
        p.source = (caps & (SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ)) ==
                   (SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ);
        p.destination = (caps & (SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE)) ==
                        (SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE);
        out.push_back(std::move(p));
      }
    }
    return out;
  }

  bool subscribed(SeqAddress from, SeqAddress to) override {
    snd_seq_port_subscribe_t* sub = nullptr;
    snd_seq_port_subscribe_alloca(&sub);
    describe(sub, from, to);
    return snd_seq_get_port_subscription(seq_, sub) == 0;
  }

  std::string subscribe(SeqAddress from, SeqAddress to) override {
    snd_seq_port_subscribe_t* sub = nullptr;
    snd_seq_port_subscribe_alloca(&sub);
    describe(sub, from, to);
    const int rc = snd_seq_subscribe_port(seq_, sub);
    if (rc == 0 || rc == -EBUSY) return {};  // EBUSY: that subscription exists already
    return snd_strerror(rc);
  }

  std::string unsubscribe(SeqAddress from, SeqAddress to) override {
    snd_seq_port_subscribe_t* sub = nullptr;
    snd_seq_port_subscribe_alloca(&sub);
    describe(sub, from, to);
    const int rc = snd_seq_unsubscribe_port(seq_, sub);
    if (rc == 0 || rc == -ENOENT) return {};  // ENOENT: not connected (any more)
    return snd_strerror(rc);
  }

  std::vector<SeqAddress> connections(SeqAddress port, bool readers) override {
    std::vector<SeqAddress> out;
    snd_seq_query_subscribe_t* query = nullptr;
    snd_seq_query_subscribe_alloca(&query);
    const snd_seq_addr_t root{static_cast<unsigned char>(port.client), static_cast<unsigned char>(port.port)};
    snd_seq_query_subscribe_set_root(query, &root);
    snd_seq_query_subscribe_set_type(query, readers ? SND_SEQ_QUERY_SUBS_READ : SND_SEQ_QUERY_SUBS_WRITE);
    snd_seq_query_subscribe_set_index(query, 0);
    while (snd_seq_query_port_subscribers(seq_, query) >= 0) {
      const snd_seq_addr_t* a = snd_seq_query_subscribe_get_addr(query);
      out.push_back({a->client, a->port});
      snd_seq_query_subscribe_set_index(query, snd_seq_query_subscribe_get_index(query) + 1);
    }
    return out;
  }

  SeqChange wait(std::chrono::milliseconds timeout) override {
    SeqChange change;
    pollfd fds[4];
    const int n = snd_seq_poll_descriptors(seq_, fds, 4, POLLIN);
    if (n <= 0) {  // nothing to wait on: rescan at this pace instead
      std::this_thread::sleep_for(timeout);
      change.any = true;
      return change;
    }
    if (::poll(fds, static_cast<nfds_t>(n), static_cast<int>(timeout.count())) <= 0) return change;
    snd_seq_event_t* ev = nullptr;
    // -EAGAIN: drained; -ENOSPC: the kernel's queue overflowed and events were lost, so the caller
    // rescans everything, as for a port that went.
    for (int rc; (rc = snd_seq_event_input(seq_, &ev)) != -EAGAIN;) {
      if (rc == -ENOSPC) {
        change.any = change.gone = true;
        continue;
      }
      if (rc < 0 || ev == nullptr) break;
      switch (ev->type) {
        case SND_SEQ_EVENT_CLIENT_EXIT:
        case SND_SEQ_EVENT_PORT_EXIT:
          change.gone = true;
          change.any = true;
          break;
        case SND_SEQ_EVENT_CLIENT_START:
        case SND_SEQ_EVENT_CLIENT_CHANGE:
        case SND_SEQ_EVENT_PORT_START:
        case SND_SEQ_EVENT_PORT_CHANGE:
          change.any = true;
          break;
        default:
          break;
      }
    }
    return change;
  }

 private:
  static void describe(snd_seq_port_subscribe_t* sub, SeqAddress from, SeqAddress to) {
    snd_seq_addr_t sender{static_cast<unsigned char>(from.client), static_cast<unsigned char>(from.port)};
    snd_seq_addr_t dest{static_cast<unsigned char>(to.client), static_cast<unsigned char>(to.port)};
    snd_seq_port_subscribe_set_sender(sub, &sender);
    snd_seq_port_subscribe_set_dest(sub, &dest);
  }

  snd_seq_t* seq_ = nullptr;
  int self_ = -1;
  int port_ = -1;
};

}  // namespace

std::unique_ptr<Sequencer> open_alsa_sequencer(const std::string& client_name) {
  return std::make_unique<AlsaSequencer>(client_name);
}

}  // namespace clara::daemon
