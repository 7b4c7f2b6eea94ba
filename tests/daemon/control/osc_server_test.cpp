#include "daemon/control/osc_server.hpp"

#include <gtest/gtest.h>

#include <asio.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "core/osc/osc_stream.hpp"
#include "tests/daemon/control/control_test_support.hpp"

namespace clara::daemon {
namespace {

using asio::ip::tcp;
using asio::ip::udp;
using osc::make_message;
using osc::Message;
using testing::chamber_state;
using testing::RecordingSink;
using namespace std::chrono_literals;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A port free for both UDP and TCP on 127.0.0.1.
int free_port() {
  asio::io_context io;
  for (int attempt = 0; attempt < 50; ++attempt) {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const int port = a.local_endpoint().port();
    udp::socket u(io);
    std::error_code ec;
    u.open(udp::v4(), ec);
    u.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
    if (!ec) return port;
  }
  throw std::runtime_error("no free port");
}

struct Server {
  RecordingSink sink;
  ControlHub hub{sink, chamber_state()};
  int port = free_port();
  OscServer server;
  explicit Server(OscServerConfig c = {}, int p = 0)
      : port(p ? p : free_port()), server(hub, with_port(std::move(c), port), steady_ns) {
    server.start();
  }
  static OscServerConfig with_port(OscServerConfig c, int port) {
    c.bind = {"127.0.0.1"};
    c.udp_port = c.tcp_port = port;
    return c;
  }
};

struct UdpClient {
  asio::io_context io;
  udp::socket socket{io, udp::endpoint(udp::v4(), 0)};
  udp::endpoint to;
  explicit UdpClient(int port) : to(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)) {}
  void send_bytes(const std::vector<std::uint8_t>& b) { socket.send_to(asio::buffer(b), to); }
  void send(const Message& m) { send_bytes(osc::encode_message(m)); }
  // The next reply within `timeout`, or nullopt.
  std::optional<Message> receive(std::chrono::milliseconds timeout = 1000ms) {
    std::vector<std::uint8_t> buf(70000);
    socket.non_blocking(true);
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      udp::endpoint from;
      std::error_code ec;
      const std::size_t n = socket.receive_from(asio::buffer(buf), from, 0, ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      if (ec) return std::nullopt;
      auto d = osc::decode_packet({buf.data(), n});
      auto* ms = std::get_if<std::vector<osc::TimedOscMessage>>(&d);
      if (ms && !ms->empty()) return ms->front().message;
    }
    return std::nullopt;
  }
};

struct TcpClient {
  asio::io_context io;
  tcp::socket socket{io};
  osc::Framing framing;
  osc::StreamDecoder decoder;
  TcpClient(int port, osc::Framing f) : framing(f), decoder(f) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  void send_bytes(const std::vector<std::uint8_t>& b) { asio::write(socket, asio::buffer(b)); }
  void send(const Message& m) { send_bytes(osc::frame_packet(framing, osc::encode_message(m))); }
  // The next message, or nullopt at a timeout or when the server closed the connection.
  std::optional<Message> receive(std::chrono::milliseconds timeout = 1000ms) {
    socket.non_blocking(true);
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::vector<std::vector<std::uint8_t>> frames;
    std::array<std::uint8_t, 4096> chunk{};
    while (std::chrono::steady_clock::now() < until) {
      std::error_code ec;
      const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      if (ec) return std::nullopt;
      decoder.feed({chunk.data(), n}, frames);
      if (!frames.empty()) {
        auto d = osc::decode_packet(frames.front());
        auto* ms = std::get_if<std::vector<osc::TimedOscMessage>>(&d);
        if (ms && !ms->empty()) return ms->front().message;
      }
    }
    return std::nullopt;
  }
  bool closed_by_server(std::chrono::milliseconds timeout = 2000ms) {
    socket.non_blocking(true);
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::array<std::uint8_t, 4096> chunk{};
    while (std::chrono::steady_clock::now() < until) {
      std::error_code ec;
      socket.read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (ec) return true;  // eof or reset
    }
    return false;
  }
};

TEST(OscServer, AnswersOverUdpAndTcpInBothFramings) {
  Server s;
  UdpClient udp(s.port);
  udp.send(make_message("/clara/temperature", {0.6f}));
  auto r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/temperature");
  EXPECT_DOUBLE_EQ(s.hub.state().sampler.temperature, 0.6);  // the decimal the float stands for
  for (auto framing : {osc::Framing::size_prefix, osc::Framing::slip}) {
    TcpClient tcp(s.port, framing);
    tcp.send(make_message("/clara/get", {std::string("temperature")}));
    r = tcp.receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(osc::to_text(*r), "/clara/value temperature 0.6");
    tcp.send(make_message("/clara/tempo", {500.0f}));
    r = tcp.receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->address, "/clara/error");
  }
}

TEST(OscServer, MalformedAndOversizedPacketsGetAReasonAndTheServerGoesOn) {
  Server s;
  UdpClient udp(s.port);
  udp.send_bytes({'/', 'x', 0});  // not a multiple of 4
  auto r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/error");
  EXPECT_NE(std::get<std::string>(r->arguments[1]).find("malformed packet"), std::string::npos);
  udp.send_bytes(std::vector<std::uint8_t>(65000, 0));  // a datagram of zeros
  r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/error");
  udp.send(make_message("/clara/status", {}));
  r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/status");
  EXPECT_GE(s.server.stats().malformed, 2u);
}

TEST(OscServer, AReplyOverOscsLimitsIsAnErrorAndTheServerGoesOn) {
  RecordingSink sink;
  ControlHooks hooks;
  hooks.metrics = [] {  // 40 pairs: 80 arguments, over the 64 a message may carry
    KeyValues kv;
    for (int i = 0; i < 40; ++i) kv.emplace_back("figure_" + std::to_string(i), std::int32_t{i});
    return kv;
  };
  ControlHub hub(sink, chamber_state(), hooks);
  const int port = free_port();
  OscServer server(hub, Server::with_port({}, port), steady_ns);
  server.start();
  UdpClient udp(port);
  udp.send(make_message("/clara/metrics", {}));
  auto r = udp.receive();
  ASSERT_TRUE(r) << "no reply at all";
  EXPECT_EQ(r->address, "/clara/error");
  ASSERT_EQ(r->arguments.size(), 2u);
  EXPECT_EQ(std::get<std::string>(r->arguments[0]), "/clara/metrics");
  EXPECT_NE(std::get<std::string>(r->arguments[1]).find("could not answer"), std::string::npos);
  for (auto framing : {osc::Framing::size_prefix, osc::Framing::slip}) {
    TcpClient tcp(port, framing);
    tcp.send(make_message("/clara/metrics", {}));
    r = tcp.receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->address, "/clara/error");
  }
  udp.send(make_message("/clara/status", {}));  // still answering
  r = udp.receive();
  ASSERT_TRUE(r) << "the server stopped answering after a reply it could not send";
  EXPECT_EQ(r->address, "/clara/status");
  server.stop();
}

TEST(OscServer, ATimedBundleAppliesAtItsTimeAndAModeChangeOnTheBarLine) {
  Server s;
  UdpClient udp(s.port);
  // Two seconds from now, in NTP time.
  const double unix_now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 2.0;
  const double ntp = unix_now + 2208988800.0;
  const std::uint64_t tag = (static_cast<std::uint64_t>(ntp) << 32) |
                            static_cast<std::uint64_t>((ntp - std::floor(ntp)) * 4294967296.0);
  const std::int64_t sent = steady_ns();
  udp.send_bytes(osc::encode_bundle(tag, {make_message("/clara/mode", {std::string("solo")}),
                                          make_message("/clara/tempo", {100.0f})}));
  ASSERT_TRUE(udp.receive());
  ASSERT_TRUE(udp.receive());
  ASSERT_EQ(s.sink.count(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(static_cast<double>(s.sink.dues[i] - sent) / 1e9, 2.0, 0.1);
  }
  EXPECT_TRUE(s.sink.bars[0]);   // mode
  EXPECT_FALSE(s.sink.bars[1]);  // tempo
}

TEST(OscServer, WithATokenNothingUnauthenticatedChangesAnythingOrGetsAReply) {
  OscServerConfig c;
  c.token = "sesame-1234";
  Server s(c);
  UdpClient udp(s.port);
  udp.send(make_message("/clara/temperature", {0.7f}));
  EXPECT_FALSE(udp.receive(300ms));
  udp.send(make_message("/clara/temperature", {std::string("wrong-token"), 0.7f}));
  EXPECT_FALSE(udp.receive(300ms));
  udp.send_bytes(osc::encode_bundle(1, {make_message("/clara/auth", {std::string("wrong-token")}),
                                        make_message("/clara/temperature", {0.7f})}));
  EXPECT_FALSE(udp.receive(300ms));
  udp.send_bytes({1, 2, 3, 4});  // garbage gets no reply either
  EXPECT_FALSE(udp.receive(300ms));
  EXPECT_TRUE(s.sink.commands.empty());
  // The token as first argument, or a bundle led by /clara/auth.
  udp.send(make_message("/clara/temperature", {std::string("sesame-1234"), 0.7f}));
  auto r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/temperature");
  udp.send_bytes(osc::encode_bundle(1, {make_message("/clara/auth", {std::string("sesame-1234")}),
                                        make_message("/clara/tempo", {90.0f})}));
  r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/auth");
  r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/tempo");
  // Over TCP: /clara/auth once, then the connection is trusted.
  TcpClient tcp(s.port, osc::Framing::size_prefix);
  tcp.send(make_message("/clara/status", {}));
  EXPECT_FALSE(tcp.receive(300ms));
  tcp.send(make_message("/clara/auth", {std::string("sesame-1234")}));
  r = tcp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/auth");
  tcp.send(make_message("/clara/velocity", {std::int32_t{80}}));
  r = tcp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/velocity");
  EXPECT_EQ(s.hub.state().velocity, 80);
  EXPECT_GE(s.server.stats().refused_auth, 4u);
}

TEST(OscServer, FailedAuthenticationsAreRateLimitedPerSource) {
  OscServerConfig c;
  c.token = "sesame-1234";
  c.auth_failures_per_s = 3;
  Server s(c);
  UdpClient udp(s.port);
  for (int i = 0; i < 10; ++i) udp.send(make_message("/clara/auth", {std::string("guess-") + std::to_string(i)}));
  std::this_thread::sleep_for(100ms);
  // Within the same second even the right token from that source is dropped.
  udp.send(make_message("/clara/status", {std::string("sesame-1234")}));
  EXPECT_FALSE(udp.receive(200ms));
  std::this_thread::sleep_for(1100ms);
  udp.send(make_message("/clara/status", {std::string("sesame-1234")}));
  auto r = udp.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/status");
}

TEST(OscServer, TcpGarbageClosesThatConnectionOnly) {
  Server s;
  {
    TcpClient huge(s.port, osc::Framing::size_prefix);
    huge.send_bytes({0x7f, 0xff, 0xff, 0xff});  // a 2 GiB size prefix
    EXPECT_TRUE(huge.closed_by_server());
  }
  {
    TcpClient endless(s.port, osc::Framing::slip);
    std::vector<std::uint8_t> frame(1, 0xC0);
    frame.resize(200 * 1024, '/');  // a SLIP frame that never ends
    std::error_code ec;
    asio::write(endless.socket, asio::buffer(frame), ec);
    EXPECT_TRUE(endless.closed_by_server());
  }
  {
    TcpClient odd(s.port, osc::Framing::size_prefix);
    odd.send_bytes({'x', 'y', 'z', 'w'});  // neither framing
    EXPECT_TRUE(odd.closed_by_server());
  }
  TcpClient good(s.port, osc::Framing::size_prefix);
  good.send(make_message("/clara/status", {}));
  auto r = good.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/status");
}

TEST(OscServer, ConnectionsBeyondTheLimitAreRefusedAndIdleOnesClosed) {
  OscServerConfig c;
  c.max_tcp_connections = 3;
  c.idle_timeout_s = 0.5;
  Server s(c);
  std::vector<std::unique_ptr<TcpClient>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<TcpClient>(s.port, osc::Framing::size_prefix));
  std::this_thread::sleep_for(100ms);
  TcpClient extra(s.port, osc::Framing::size_prefix);
  EXPECT_TRUE(extra.closed_by_server(1000ms));
  // The idle ones go after half a second; then a new one is served.
  for (auto& h : held) EXPECT_TRUE(h->closed_by_server(2000ms));
  TcpClient later(s.port, osc::Framing::size_prefix);
  later.send(make_message("/clara/status", {}));
  ASSERT_TRUE(later.receive());
  EXPECT_GE(s.server.stats().tcp_rejected, 1u);
  EXPECT_GE(s.server.stats().tcp_closed_idle, 3u);
}

TEST(OscServer, SubscribersGetEveryChangeWhicheverSourceMadeIt) {
  Server s;
  UdpClient watcher(s.port);
  watcher.send(make_message("/clara/subscribe", {}));
  auto r = watcher.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/subscribe");
  TcpClient tcp_watcher(s.port, osc::Framing::slip);
  tcp_watcher.send(make_message("/clara/subscribe", {}));
  ASSERT_TRUE(tcp_watcher.receive());
  // A change made by another client, and one made by another source (the CC map) through the hub.
  UdpClient other(s.port);
  other.send(make_message("/clara/answer_bars", {std::int32_t{3}}));
  ASSERT_TRUE(other.receive());
  r = watcher.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/value answer_bars 3");
  r = tcp_watcher.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/value answer_bars 3");
  EXPECT_FALSE(s.hub.edit([](ControlState& st) { st.mode = DuetMode::listen; }));
  r = watcher.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/value mode listen");
  watcher.send(make_message("/clara/unsubscribe", {}));
  ASSERT_TRUE(watcher.receive());
  EXPECT_FALSE(s.hub.edit([](ControlState& st) { st.mode = DuetMode::answer; }));
  EXPECT_FALSE(watcher.receive(200ms));
  ASSERT_TRUE(tcp_watcher.receive());
}

TEST(OscServer, ASubscriberMayNameThePortItListensOn) {
  Server s;
  UdpClient listener(s.port);  // stands for oscdump or a tablet's receive port
  const int listen_port = listener.socket.local_endpoint().port();
  UdpClient sender(s.port);
  sender.send(make_message("/clara/subscribe", {std::int32_t{listen_port}}));
  auto r = sender.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/ok /clara/subscribe");
  sender.send(make_message("/clara/velocity", {std::int32_t{70}}));
  ASSERT_TRUE(sender.receive());
  r = listener.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(osc::to_text(*r), "/clara/value velocity 70");
  sender.send(make_message("/clara/subscribe", {std::int32_t{70000}}));
  r = sender.receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/error");
  sender.send(make_message("/clara/unsubscribe", {std::int32_t{listen_port}}));
  ASSERT_TRUE(sender.receive());
  sender.send(make_message("/clara/velocity", {std::int32_t{71}}));
  ASSERT_TRUE(sender.receive());
  EXPECT_FALSE(listener.receive(200ms));
}

TEST(OscServer, AFloodOfRandomDatagramsLeavesItAnswering) {
  Server s;
  UdpClient flood(s.port);
  std::mt19937 rng(7);
  const auto valid = osc::encode_message(make_message("/clara/temperature", {0.9f}));
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> b;
    if (i % 2) {
      b.resize(rng() % 200);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    } else {
      b = valid;
      for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    flood.send_bytes(b);
  }
  // A client asks as a tablet app does, again when no reply came (a full socket buffer
  // drops datagrams in the kernel, before clarad sees them).
  UdpClient probe(s.port);
  std::optional<Message> r;
  for (int i = 0; i < 25 && !(r && r->address == "/clara/status"); ++i) {
    probe.send(make_message("/clara/status", {}));
    r = probe.receive(200ms);
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/clara/status");
  const auto st = s.server.stats();
  EXPECT_GT(st.malformed, 1000u);
  EXPECT_TRUE(s.sink.commands.size() <= 10000u);
}

TEST(OscServer, ABindThatFailsSaysWhich) {
  Server first;
  RecordingSink sink;
  ControlHub hub(sink, chamber_state());
  OscServerConfig c = Server::with_port({}, first.port);
  OscServer second(hub, c, steady_ns);
  try {
    second.start();
    FAIL() << "bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("port " + std::to_string(first.port)), std::string::npos) << e.what();
  }
  c.bind = {"not-an-address"};
  OscServer third(hub, c, steady_ns);
  EXPECT_THROW(third.start(), std::runtime_error);
}

}  // namespace
}  // namespace clara::daemon
