#include "daemon/control/osc_server.hpp"

#include <asio.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "daemon/control/osc_address_space.hpp"
#include "daemon/log/logger.hpp"

namespace clara::daemon {

namespace {

using asio::ip::tcp;
using asio::ip::udp;
using Steady = std::chrono::steady_clock;

constexpr std::size_t kMaxWriteQueueBytes = 256 * 1024;  // a peer that does not read is dropped
constexpr std::int64_t kMaxFutureNs = 3600LL * 1'000'000'000;  // a timetag an hour ahead is a mistake

// Constant-time comparison: how much of a wrong token matched must not show in the timing.
bool same_token(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// OSC timetags count NTP time (seconds since 1900, wall clock); the only place
// clarad reads the wall clock, to turn a bundle's time into the backend's clock.
std::int64_t timetag_to_due_ns(std::uint64_t tag, std::int64_t now_ns) {
  if (tag == osc::kImmediately || tag == 0) return 0;
  constexpr std::uint64_t kNtpToUnix = 2208988800ULL;
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const double wall_now = std::chrono::duration<double>(since_epoch).count();
  const double tag_s = static_cast<double>(tag >> 32) - static_cast<double>(kNtpToUnix) +
                       static_cast<double>(tag & 0xffffffffULL) / 4294967296.0;
  const double ahead_ns = (tag_s - wall_now) * 1e9;
  if (ahead_ns <= 0) return 0;
  if (ahead_ns > static_cast<double>(kMaxFutureNs)) return -1;
  return now_ns + static_cast<std::int64_t>(ahead_ns);
}

}  // namespace

struct OscServer::Impl {
  ControlHub& hub;
  OscServerConfig config;
  std::function<std::int64_t()> now_ns;
  OscAddressSpace space;
  asio::io_context io;
  std::vector<std::unique_ptr<udp::socket>> udp_sockets;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  asio::steady_timer push_timer{io};
  std::thread thread;
  std::atomic<bool> running{false};

  mutable std::mutex stats_mutex;
  OscServerStats st;

  struct Connection;
  std::list<std::shared_ptr<Connection>> connections;

  struct UdpSubscriber {
    udp::socket* socket;
    udp::endpoint peer;
    Steady::time_point expires;
  };
  std::vector<UdpSubscriber> udp_subscribers;
  std::vector<std::weak_ptr<Connection>> tcp_subscribers;
  ControlState last_pushed;
  std::uint64_t last_version = 0;

  // Failed authentications per source address in the current second.
  std::map<asio::ip::address, int> auth_failures;
  Steady::time_point auth_window = Steady::now();

  Impl(ControlHub& h, OscServerConfig c, std::function<std::int64_t()> clock)
      : hub(h), config(std::move(c)), now_ns(std::move(clock)), space(h) {}

  template <typename F>
  void count(F f) {
    std::lock_guard lock(stats_mutex);
    f(st);
  }

  // True when this source may still try (and counts the failure).
  bool auth_failed(const asio::ip::address& from) {
    const auto now = Steady::now();
    if (now - auth_window >= std::chrono::seconds(1)) {
      auth_failures.clear();
      auth_window = now;
    }
    count([](OscServerStats& s) { ++s.refused_auth; });
    if (auth_failures.size() > 4096) return false;  // a flood from many sources: nothing more this second
    return ++auth_failures[from] <= config.auth_failures_per_s;
  }

  // Error replies to malformed packets, per source and second: enough for a client's bug to be
  // seen, too few for a flood of garbage to turn into a flood of replies.
  static constexpr int kComplaintsPerSecond = 20;
  std::map<asio::ip::address, int> complaints;
  Steady::time_point complaint_window = Steady::now();
  bool may_complain(const asio::ip::address& from) {
    const auto now = Steady::now();
    if (now - complaint_window >= std::chrono::seconds(1)) {
      complaints.clear();
      complaint_window = now;
    }
    if (complaints.size() > 4096) return false;
    return ++complaints[from] <= kComplaintsPerSecond;
  }

  bool rate_limited(const asio::ip::address& from) {
    const auto now = Steady::now();
    if (now - auth_window >= std::chrono::seconds(1)) return false;
    auto it = auth_failures.find(from);
    return it != auth_failures.end() && it->second > config.auth_failures_per_s;
  }

  // Runs the messages of one packet; `authed` says whether the peer proved the token
  // before (a TCP connection), and is set when the packet proves it.
  std::vector<osc::Message> run_packet(std::span<const std::uint8_t> bytes, bool& authed, bool persistent,
                                       OscOutcome::Subscription& subscription, int& push_port,
                                       const asio::ip::address& from) {
    std::vector<osc::Message> replies;
    count([](OscServerStats& s) { ++s.packets; });
    if (!config.token.empty() && !authed && rate_limited(from)) return replies;
    auto decoded = osc::decode_packet(bytes);
    if (auto* err = std::get_if<osc::DecodeError>(&decoded)) {
      count([](OscServerStats& s) { ++s.malformed; });
      // Without a token only loopback peers can reach us; with one, a stranger gets nothing.
      if ((config.token.empty() || authed) && may_complain(from))
        replies.push_back(error_reply("", "malformed packet: " + err->what));
      return replies;
    }
    auto& messages = std::get<std::vector<osc::TimedOscMessage>>(decoded);
    bool packet_authed = authed;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      osc::Message& m = messages[i].message;
      count([](OscServerStats& s) { ++s.messages; });
      if (m.address == "/clara/auth") {
        const bool good = !config.token.empty() && m.arguments.size() == 1 &&
                          std::holds_alternative<std::string>(m.arguments[0]) &&
                          same_token(std::get<std::string>(m.arguments[0]), config.token);
        if (config.token.empty()) {
          replies.push_back(ok_reply(m.address));  // nothing to prove
        } else if (good) {
          packet_authed = true;
          if (persistent) authed = true;
          replies.push_back(ok_reply(m.address));
        } else {
          auth_failed(from);
          return {};  // no reply to a wrong token: no amplification, no oracle
        }
        continue;
      }
      if (!config.token.empty() && !packet_authed) {
        // Over UDP the token may come as the first argument instead.
        if (!m.arguments.empty() && std::holds_alternative<std::string>(m.arguments[0]) &&
            same_token(std::get<std::string>(m.arguments[0]), config.token)) {
          m.arguments.erase(m.arguments.begin());
          if (!m.types.empty()) m.types.erase(0, 1);
        } else {
          auth_failed(from);
          return {};
        }
      }
      const std::int64_t due = timetag_to_due_ns(messages[i].timetag, now_ns());
      if (due < 0) {
        replies.push_back(error_reply(m.address, "the bundle's timetag is more than an hour ahead"));
        continue;
      }
      OscOutcome out;
      try {
        out = space.handle(m, due);
      } catch (const std::exception& e) {
        // A handler that throws (a hook's file system or model error) answers with why; it must
        // not take the control plane down with it. Replies over OSC's limits: encode_reply.
        log::warning("OSC %s: %s", m.address.c_str(), e.what());
        out.replies.assign(1, error_reply(m.address, std::string("could not answer: ") + e.what()));
      }
      for (auto& r : out.replies) replies.push_back(std::move(r));
      if (out.subscription != OscOutcome::Subscription::none) {
        subscription = out.subscription;
        push_port = out.push_port;
      }
    }
    return replies;
  }

  // ---- UDP
  struct UdpReceiver {
    Impl* impl = nullptr;
    udp::socket* socket = nullptr;
    std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(osc::kMaxPacketBytes + 1);
    udp::endpoint peer;
  };
  std::vector<std::unique_ptr<UdpReceiver>> receivers;

  void receive(UdpReceiver& r) {
    r.socket->async_receive_from(asio::buffer(r.buffer), r.peer, [this, &r](std::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted || !running) return;
      if (!ec) on_datagram(r, n);
      receive(r);
    });
  }

  void on_datagram(UdpReceiver& r, std::size_t n) {
    std::vector<osc::Message> replies;
    bool authed = false;
    auto sub = OscOutcome::Subscription::none;
    int push_port = 0;
    if (n > osc::kMaxPacketBytes) {
      count([](OscServerStats& s) { ++s.packets, ++s.malformed; });
      if (config.token.empty() && may_complain(r.peer.address()))
        replies.push_back(error_reply("", "malformed packet: larger than 64 KiB"));
    } else {
      replies = run_packet({r.buffer.data(), n}, authed, false, sub, push_port, r.peer.address());
    }
    udp::endpoint target = r.peer;
    if (push_port > 0) target.port(static_cast<unsigned short>(push_port));
    if (sub == OscOutcome::Subscription::subscribe) subscribe_udp(r.socket, target, replies);
    if (sub == OscOutcome::Subscription::unsubscribe)
      std::erase_if(udp_subscribers, [&](const UdpSubscriber& s) { return s.peer == target; });
    for (const auto& m : replies) send_udp(*r.socket, r.peer, m);
  }

  void subscribe_udp(udp::socket* socket, const udp::endpoint& peer, std::vector<osc::Message>& replies) {
    const auto expires = Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                             std::chrono::duration<double>(config.udp_subscription_s));
    for (auto& s : udp_subscribers)
      if (s.peer == peer) {
        s.expires = expires;
        return;
      }
    if (static_cast<int>(udp_subscribers.size() + tcp_subscribers.size()) >= config.max_subscribers) {
      replies.assign(1, error_reply("/clara/subscribe", "too many subscribers (" +
                                                             std::to_string(config.max_subscribers) + ")"));
      return;
    }
    udp_subscribers.push_back({socket, peer, expires});
  }

  // The bytes of a reply; one that does not encode (over OSC's limits) becomes the error saying so.
  static std::vector<std::uint8_t> encode_reply(const osc::Message& m) {
    try {
      return osc::encode_message(m);
    } catch (const std::invalid_argument& e) {
      log::warning("OSC reply %s not sent: %s", m.address.c_str(), e.what());
      return osc::encode_message(error_reply(m.address, std::string("could not answer: ") + e.what()));
    }
  }

  void send_udp(udp::socket& socket, const udp::endpoint& peer, const osc::Message& m) {
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(encode_reply(m));
    count([](OscServerStats& s) { ++s.replies; });
    socket.async_send_to(asio::buffer(*bytes), peer, [bytes](std::error_code, std::size_t) {});
  }

  // ---- TCP
  struct Connection : std::enable_shared_from_this<Connection> {
    Impl* impl;
    tcp::socket socket;
    osc::StreamDecoder decoder;
    asio::steady_timer idle;
    std::array<std::uint8_t, 4096> chunk{};
    std::deque<std::shared_ptr<std::vector<std::uint8_t>>> writes;
    std::size_t queued = 0;
    bool authed = false, closed = false;
    asio::ip::address peer;

    Connection(Impl* i, tcp::socket s)
        : impl(i), socket(std::move(s)), decoder(i->config.framing, i->config.tcp_buffer_bytes), idle(socket.get_executor()) {
      std::error_code ec;
      peer = socket.remote_endpoint(ec).address();
    }

    void start() {
      arm_idle();
      read();
    }

    void arm_idle() {
      idle.expires_after(std::chrono::duration_cast<Steady::duration>(
          std::chrono::duration<double>(impl->config.idle_timeout_s)));
      idle.async_wait([self = shared_from_this()](std::error_code ec) {
        if (ec) return;
        self->impl->count([](OscServerStats& s) { ++s.tcp_closed_idle; });
        self->close();
      });
    }

    void read() {
      socket.async_read_some(asio::buffer(chunk), [self = shared_from_this()](std::error_code ec, std::size_t n) {
        if (ec || self->closed) {
          self->close();
          return;
        }
        self->arm_idle();
        std::vector<std::vector<std::uint8_t>> frames;
        const auto error = self->decoder.feed({self->chunk.data(), n}, frames);
        for (const auto& f : frames) self->on_frame(f);
        if (error) {
          // The stream cannot be resynchronised; say why (unless a stranger) and close.
          if (self->impl->config.token.empty() || self->authed)
            self->send(error_reply("", "closing the connection: " + *error));
          self->impl->count([](OscServerStats& s) { ++s.tcp_closed_error; });
          self->close_after_writes();
          return;
        }
        if (!self->closed) self->read();
      });
    }

    void on_frame(const std::vector<std::uint8_t>& frame) {
      auto sub = OscOutcome::Subscription::none;
      int push_port = 0;  // over TCP the pushes go on the connection
      auto replies = impl->run_packet(frame, authed, true, sub, push_port, peer);
      if (sub == OscOutcome::Subscription::subscribe) impl->subscribe_tcp(shared_from_this(), replies);
      if (sub == OscOutcome::Subscription::unsubscribe)
        std::erase_if(impl->tcp_subscribers, [&](const std::weak_ptr<Connection>& w) {
          auto c = w.lock();
          return !c || c.get() == this;
        });
      for (const auto& m : replies) send(m);
    }

    void send(const osc::Message& m) {
      if (closed) return;
      auto bytes = std::make_shared<std::vector<std::uint8_t>>(
          osc::frame_packet(decoder.framing() == osc::Framing::slip ? osc::Framing::slip : osc::Framing::size_prefix,
                            encode_reply(m)));
      if (queued + bytes->size() > kMaxWriteQueueBytes) {
        impl->count([](OscServerStats& s) { ++s.tcp_closed_error; });
        close();  // it does not read what it asked for
        return;
      }
      impl->count([](OscServerStats& s) { ++s.replies; });
      queued += bytes->size();
      writes.push_back(bytes);
      if (writes.size() == 1) write_next();
    }

    bool closing = false;
    void close_after_writes() {
      closing = true;
      if (writes.empty()) close();
    }

    void write_next() {
      asio::async_write(socket, asio::buffer(*writes.front()),
                        [self = shared_from_this()](std::error_code ec, std::size_t) {
                          if (ec) {
                            self->close();
                            return;
                          }
                          self->queued -= self->writes.front()->size();
                          self->writes.pop_front();
                          if (!self->writes.empty())
                            self->write_next();
                          else if (self->closing)
                            self->close();
                        });
    }

    void close() {
      if (closed) return;
      closed = true;
      std::error_code ec;
      idle.cancel();
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
      impl->forget(this);
    }
  };

  void forget(Connection* c) {
    connections.remove_if([c](const std::shared_ptr<Connection>& p) { return p.get() == c; });
    count([this](OscServerStats& s) { s.tcp_open = static_cast<int>(connections.size()); });
  }

  void subscribe_tcp(const std::shared_ptr<Connection>& c, std::vector<osc::Message>& replies) {
    for (const auto& w : tcp_subscribers)
      if (w.lock() == c) return;
    if (static_cast<int>(udp_subscribers.size() + tcp_subscribers.size()) >= config.max_subscribers) {
      replies.assign(1, error_reply("/clara/subscribe", "too many subscribers (" +
                                                             std::to_string(config.max_subscribers) + ")"));
      return;
    }
    tcp_subscribers.push_back(c);
  }

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](std::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !running) return;
      if (!ec) {
        if (static_cast<int>(connections.size()) >= config.max_tcp_connections) {
          count([](OscServerStats& s) { ++s.tcp_rejected; });
          std::error_code ignore;
          socket.close(ignore);
        } else {
          auto c = std::make_shared<Connection>(this, std::move(socket));
          connections.push_back(c);
          count([this](OscServerStats& s) {
            ++s.tcp_accepted;
            s.tcp_open = static_cast<int>(connections.size());
          });
          c->start();
        }
      }
      accept(acceptor);
    });
  }

  // ---- pushes to subscribers
  void schedule_push() {
    push_timer.expires_after(std::chrono::milliseconds(20));
    push_timer.async_wait([this](std::error_code ec) {
      if (ec || !running) return;
      push_changes();
      schedule_push();
    });
  }

  void push_changes() {
    const auto now = Steady::now();
    std::erase_if(udp_subscribers, [&](const UdpSubscriber& s) { return s.expires < now; });
    std::erase_if(tcp_subscribers, [](const std::weak_ptr<Connection>& w) {
      auto c = w.lock();
      return !c || c->closed;
    });
    count([this](OscServerStats& s) { s.subscribers = static_cast<int>(udp_subscribers.size() + tcp_subscribers.size()); });
    const std::uint64_t v = hub.version();
    if (v == last_version) return;
    last_version = v;
    const ControlState state = hub.state();
    const KeyValues changes = changed_values(last_pushed, state);
    last_pushed = state;
    for (const auto& [key, value] : changes) {
      // A model swap refused after its /clara/ok (loading failed): the error a client waits for.
      if (const auto* text = std::get_if<std::string>(&value); key == "model_swap" && text && text->starts_with("refused ")) {
        const osc::Message e = error_reply("/clara/model", text->substr(8));
        for (auto& s : udp_subscribers) send_udp(*s.socket, s.peer, e);
        for (auto& w : tcp_subscribers)
          if (auto c = w.lock()) c->send(e);
      }
      const osc::Message m = value_message(key, value);
      for (auto& s : udp_subscribers) send_udp(*s.socket, s.peer, m);
      for (auto& w : tcp_subscribers)
        if (auto c = w.lock()) c->send(m);
      count([&](OscServerStats& s) { s.pushes += udp_subscribers.size() + tcp_subscribers.size(); });
    }
  }
};

OscServer::OscServer(ControlHub& hub, OscServerConfig config, std::function<std::int64_t()> now_ns)
    : impl_(std::make_unique<Impl>(hub, std::move(config), std::move(now_ns))) {}

OscServer::~OscServer() { stop(); }

void OscServer::start() {
  Impl& m = *impl_;
  for (const auto& text : m.config.bind) {
    std::error_code ec;
    const auto address = asio::ip::make_address(text, ec);
    if (ec) throw std::runtime_error("control.bind: '" + text + "' is not an IP address");
    if (m.config.udp_port > 0) {
      auto socket = std::make_unique<udp::socket>(m.io);
      const udp::endpoint at(address, static_cast<unsigned short>(m.config.udp_port));
      socket->open(at.protocol(), ec);
      if (!ec && address.is_v6()) socket->set_option(asio::ip::v6_only(true), ec);
      if (!ec) socket->bind(at, ec);
      // Room for a burst from a patch or a fader sweep: the kernel drops what does not fit.
      if (!ec) socket->set_option(asio::socket_base::receive_buffer_size(1 << 20), ec);
      if (ec)
        throw std::runtime_error("OSC: cannot listen on udp " + text + " port " + std::to_string(m.config.udp_port) +
                                 ": " + ec.message() + " (another clarad? set control.udp_port or --osc-port)");
      m.udp_sockets.push_back(std::move(socket));
    }
    if (m.config.tcp_port > 0) {
      auto acceptor = std::make_unique<tcp::acceptor>(m.io);
      const tcp::endpoint at(address, static_cast<unsigned short>(m.config.tcp_port));
      acceptor->open(at.protocol(), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->bind(at, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec)
        throw std::runtime_error("OSC: cannot listen on tcp " + text + " port " + std::to_string(m.config.tcp_port) +
                                 ": " + ec.message() + " (another clarad? set control.tcp_port or --osc-port)");
      m.acceptors.push_back(std::move(acceptor));
    }
  }
  m.running = true;
  m.last_pushed = m.hub.state();
  m.last_version = m.hub.version();
  for (auto& s : m.udp_sockets) {
    auto r = std::make_unique<Impl::UdpReceiver>();
    r->impl = &m;
    r->socket = s.get();
    m.receivers.push_back(std::move(r));
    m.receive(*m.receivers.back());
  }
  for (auto& a : m.acceptors) m.accept(*a);
  m.schedule_push();
  m.thread = std::thread([&m] {
    // Control traffic yields to the music: a flood of packets must not take the CPU the
    // inference thread needs to stay ahead of the clock (nice 10 for this thread only).
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10) != 0)
      log::debug("OSC thread: could not lower its priority");
    try {
      m.io.run();
    } catch (const std::exception& e) {
      // The control plane failing must never stop the music.
      log::error("OSC control stopped: %s", e.what());
    }
  });
}

void OscServer::stop() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  m.running = false;
  asio::post(m.io, [&m] {
    std::error_code ec;
    for (auto& s : m.udp_sockets) s->close(ec);
    for (auto& a : m.acceptors) a->close(ec);
    m.push_timer.cancel();
    auto open = m.connections;
    for (auto& c : open) c->close();
  });
  m.thread.join();
}

OscServerStats OscServer::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->st;
}

}  // namespace clara::daemon
