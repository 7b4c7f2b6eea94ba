// OSC on a byte stream: both framings cut at every byte and at random places,
// the refusals (with their stream offsets), and liblo's TCP transport on
// loopback as the other end in both directions.
#include "core/osc/osc_stream.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <lo/lo.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <type_traits>

namespace clara::osc {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Frames = std::vector<Bytes>;

// Packets whose bytes include SLIP's END and ESC, so escaping is exercised.
std::vector<Bytes> sample_packets() {
  return {
      encode_message(make_message("/clara/value", {std::string("tempo"), std::int32_t{120}})),
      encode_message(make_message("/blob", {Blob{0xC0, 0xDB, 0xDC, 0xDD, 0xC0, 0xC0, 0xDB}})),
      encode_bundle(0xC0C0C0C0DBDBDBDB,
                    {make_message("/a", {std::int32_t{-1}}), make_message("/b", {})}),
      encode_message(make_message("/x", {std::int32_t{static_cast<std::int32_t>(0xDBC0DBC0)}})),
  };
}

Bytes stream_of(Framing framing, const std::vector<Bytes>& packets) {
  Bytes out;
  for (const Bytes& p : packets) {
    const Bytes f = frame_packet(framing, p);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

Frames feed_in_chunks(StreamDecoder& d, const Bytes& stream, const std::vector<std::size_t>& cuts) {
  Frames frames;
  std::size_t at = 0;
  for (const std::size_t cut : cuts) {
    const auto err = d.feed(std::span(stream).subspan(at, cut - at), frames);
    EXPECT_FALSE(err) << *err;
    at = cut;
  }
  const auto err = d.feed(std::span(stream).subspan(at), frames);
  EXPECT_FALSE(err) << *err;
  return frames;
}

TEST(OscStreamFrame, WireBytes) {
  const Bytes p = {'/', 'a', 0, 0, ',', 0, 0, 0};
  EXPECT_EQ(frame_packet(Framing::size_prefix, p),
            (Bytes{0, 0, 0, 8, '/', 'a', 0, 0, ',', 0, 0, 0}));
  const Bytes with_specials = {'/', 0xC0, 0xDB, 0};
  EXPECT_EQ(frame_packet(Framing::slip, with_specials),
            (Bytes{0xC0, '/', 0xDB, 0xDC, 0xDB, 0xDD, 0, 0xC0}));
  EXPECT_THROW(frame_packet(Framing::slip, Bytes{}), std::invalid_argument);
  EXPECT_THROW(frame_packet(Framing::detect, p), std::invalid_argument);
  EXPECT_THROW(frame_packet(Framing::size_prefix, Bytes(kMaxPacketBytes + 4, 0)),
               std::invalid_argument);
}

class BothFramings : public ::testing::TestWithParam<Framing> {};

TEST_P(BothFramings, SeveralFramesInOneFeed) {
  const auto packets = sample_packets();
  StreamDecoder d(Framing::detect);
  Frames frames;
  ASSERT_FALSE(d.feed(stream_of(GetParam(), packets), frames));
  EXPECT_EQ(d.framing(), GetParam());
  EXPECT_EQ(frames, packets);
  EXPECT_EQ(d.buffered(), 0u);
  for (const Bytes& f : frames) EXPECT_FALSE(std::holds_alternative<DecodeError>(decode_packet(f)));
}

TEST_P(BothFramings, OneByteAtATime) {
  const auto packets = sample_packets();
  const Bytes stream = stream_of(GetParam(), packets);
  StreamDecoder d(GetParam());
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(feed_in_chunks(d, stream, cuts), packets);
}

TEST_P(BothFramings, RandomChunks) {
  const auto packets = sample_packets();
  const Bytes stream = stream_of(GetParam(), packets);
  std::mt19937 rng(20240611);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (true) {
      at += std::uniform_int_distribution<std::size_t>(0, 24)(rng);
      if (at >= stream.size()) break;
      cuts.push_back(at);
    }
    StreamDecoder d(Framing::detect);
    ASSERT_EQ(feed_in_chunks(d, stream, cuts), packets) << "round " << round;
  }
}

TEST_P(BothFramings, BufferedCountsAnIncompleteFrame) {
  const Bytes p = sample_packets()[0];
  const Bytes f = frame_packet(GetParam(), p);
  StreamDecoder d(GetParam());
  Frames frames;
  ASSERT_FALSE(d.feed(std::span(f).first(f.size() - 3), frames));
  EXPECT_TRUE(frames.empty());
  EXPECT_GT(d.buffered(), 0u);
  EXPECT_LE(d.buffered(), p.size());
  ASSERT_FALSE(d.feed(std::span(f).last(3), frames));
  EXPECT_EQ(frames, Frames{p});
  EXPECT_EQ(d.buffered(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Framings, BothFramings,
                         ::testing::Values(Framing::size_prefix, Framing::slip));

// An error sticks: the same text again, nothing appended.
void expect_stuck(StreamDecoder& d, const std::string& error) {
  Frames frames;
  const auto again = d.feed(frame_packet(Framing::size_prefix, sample_packets()[0]), frames);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, error);
  EXPECT_TRUE(frames.empty());
}

std::string feed_error(StreamDecoder& d, const Bytes& bytes) {
  Frames frames;
  const auto err = d.feed(bytes, frames);
  if (!err) {
    ADD_FAILURE() << "accepted";
    return {};
  }
  expect_stuck(d, *err);
  return *err;
}

TEST(OscStreamDetect, FromTheFirstByte) {
  for (const std::uint8_t first : {std::uint8_t{0xC0}, std::uint8_t{'/'}, std::uint8_t{'#'}}) {
    StreamDecoder d;
    Frames frames;
    ASSERT_FALSE(d.feed(Bytes{first}, frames));
    EXPECT_EQ(d.framing(), Framing::slip);
  }
  StreamDecoder sized;
  EXPECT_EQ(sized.framing(), Framing::detect);
  Frames frames;
  ASSERT_FALSE(sized.feed(Bytes{}, frames));
  EXPECT_EQ(sized.framing(), Framing::detect);
  ASSERT_FALSE(sized.feed(Bytes{0}, frames));
  EXPECT_EQ(sized.framing(), Framing::size_prefix);

  StreamDecoder http;
  EXPECT_EQ(feed_error(http, Bytes{'G', 'E', 'T'}),
            "stream byte 0: first byte 0x47 starts neither a size prefix (0x00) nor SLIP (0xC0, "
            "'/' or '#')");
}

TEST(OscStreamDetect, SlipWithoutALeadingEnd) {
  const Bytes p = sample_packets()[0];
  Bytes single_end = p;
  single_end.push_back(0xC0);
  StreamDecoder d;
  Frames frames;
  ASSERT_FALSE(d.feed(single_end, frames));
  EXPECT_EQ(frames, Frames{p});
}

TEST(OscStreamSizePrefix, Refusals) {
  const Bytes ok = frame_packet(Framing::size_prefix, sample_packets()[0]);
  {
    StreamDecoder d(Framing::size_prefix);
    Bytes stream = ok;
    stream.insert(stream.end(), {0xFF, 0xFF, 0xFF, 0xF8});
    EXPECT_EQ(feed_error(d, stream),
              "stream byte " + std::to_string(ok.size()) + ": frame size prefix -8 is negative");
  }
  {
    StreamDecoder d(Framing::detect);
    EXPECT_EQ(feed_error(d, Bytes{0, 0, 0, 0}), "stream byte 0: empty frame (size prefix 0)");
  }
  {
    StreamDecoder d(Framing::detect);
    EXPECT_EQ(feed_error(d, Bytes{0, 1, 0, 4}),
              "stream byte 0: frame size prefix 65540 is over the 65536-byte limit");
  }
  {
    StreamDecoder d(Framing::size_prefix);  // 2 GiB: refused from the prefix, nothing reserved
    EXPECT_EQ(feed_error(d, Bytes{0x7F, 0xFF, 0xFF, 0xFF}),
              "stream byte 0: frame size prefix 2147483647 is over the 65536-byte limit");
  }
  {
    StreamDecoder d(Framing::size_prefix, 16);
    Frames frames;
    ASSERT_FALSE(d.feed(Bytes{0, 0, 0, 16}, frames));
    ASSERT_FALSE(d.feed(Bytes(16, 1), frames));
    EXPECT_EQ(frames.size(), 1u);
    EXPECT_EQ(feed_error(d, Bytes{0, 0, 0, 20}),
              "stream byte 20: frame size prefix 20 is over the 16-byte limit");
  }
}

TEST(OscStreamSlip, EmptyFramesBetweenEndsAreIgnored) {
  const Bytes p = sample_packets()[1];
  Bytes stream = {0xC0, 0xC0, 0xC0};
  const Bytes f = frame_packet(Framing::slip, p);
  stream.insert(stream.end(), f.begin(), f.end());
  stream.insert(stream.end(), {0xC0, 0xC0});
  stream.insert(stream.end(), f.begin(), f.end());
  StreamDecoder d;
  Frames frames;
  ASSERT_FALSE(d.feed(stream, frames));
  EXPECT_EQ(frames, (Frames{p, p}));
}

TEST(OscStreamSlip, EscapeSplitAcrossFeeds) {
  StreamDecoder d(Framing::slip);
  Frames frames;
  ASSERT_FALSE(d.feed(Bytes{0xC0, '/', 0xDB}, frames));
  ASSERT_FALSE(d.feed(Bytes{0xDC, 0, 0, 0xC0}, frames));
  EXPECT_EQ(frames, (Frames{{'/', 0xC0, 0, 0}}));
}

TEST(OscStreamSlip, BadEscape) {
  StreamDecoder d(Framing::slip);
  EXPECT_EQ(feed_error(d, Bytes{0xC0, '/', 'a', 0xDB, 0x41}),
            "stream byte 4: SLIP escape 0xDB followed by 0x41, not 0xDC or 0xDD");
  StreamDecoder ended(Framing::slip);
  EXPECT_EQ(feed_error(ended, Bytes{'/', 0xDB, 0xC0}),
            "stream byte 2: SLIP escape 0xDB followed by 0xC0, not 0xDC or 0xDD");
}

TEST(OscStreamSlip, EndlessFrameIsRefusedWithoutBufferingPastTheLimit) {
  StreamDecoder d(Framing::slip, 64);
  Frames frames;
  ASSERT_FALSE(d.feed(Bytes{0xC0}, frames));
  ASSERT_FALSE(d.feed(Bytes(40, 'a'), frames));
  ASSERT_FALSE(d.feed(Bytes(24, 'b'), frames));  // exactly 64: still a frame in the making
  EXPECT_EQ(d.buffered(), 64u);
  EXPECT_EQ(feed_error(d, Bytes(1000, 'c')),
            "stream byte 65: SLIP frame longer than the 64-byte limit");
  EXPECT_LE(d.buffered(), 64u);

  StreamDecoder escaped(Framing::slip, 4);
  EXPECT_EQ(feed_error(escaped, Bytes{'/', 'a', 'b', 'c', 0xDB, 0xDD}),
            "stream byte 5: SLIP frame longer than the 4-byte limit");

  StreamDecoder exact(Framing::slip, 4);
  ASSERT_FALSE(exact.feed(Bytes{0xC0, '/', 'a', 0, 0, 0xC0}, frames));
  EXPECT_EQ(frames.back(), (Bytes{'/', 'a', 0, 0}));
}

// ---- liblo's TCP transport on loopback ----

struct Received {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Message> messages;
};

int on_message(const char* path, const char* types, lo_arg** argv, int argc, lo_message,
               void* data) {
  auto* r = static_cast<Received*>(data);
  Message m{path, types, {}};
  for (int i = 0; i < argc; ++i) {
    if (types[i] == 'i')
      m.arguments.emplace_back(argv[i]->i);
    else if (types[i] == 's')
      m.arguments.emplace_back(std::string(&argv[i]->s));
    else
      m.arguments.emplace_back(Nil{});
  }
  std::lock_guard lock(r->mutex);
  r->messages.push_back(std::move(m));
  r->changed.notify_all();
  return 0;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// liblo's TCP server tells the framings apart as ours does; both of ours reach its handler.
class LibloServer : public ::testing::TestWithParam<Framing> {};

TEST_P(LibloServer, ReadsOurFrames) {
  const Framing framing = GetParam();
  Received received;
  // Freed (its thread stopped) before `received` goes, whichever assertion returns early.
  const std::unique_ptr<std::remove_pointer_t<lo_server_thread>, void (*)(lo_server_thread)> server(
      lo_server_thread_new_with_proto(nullptr, LO_TCP, nullptr), lo_server_thread_free);
  lo_server_thread st = server.get();
  ASSERT_NE(st, nullptr);
  lo_server_thread_add_method(st, nullptr, nullptr, on_message, &received);
  ASSERT_EQ(lo_server_thread_start(st), 0);
  const int fd = connect_loopback(lo_server_thread_get_port(st));
  ASSERT_GE(fd, 0);
  const Message a = make_message("/clara/a", {std::int32_t{7}, std::string("seven")});
  const Message b = make_message("/clara/b", {std::int32_t{-1}});
  Bytes stream = frame_packet(framing, encode_message(a));
  const Bytes second = frame_packet(framing, encode_message(b));
  stream.insert(stream.end(), second.begin(), second.end());
  ASSERT_EQ(::send(fd, stream.data(), stream.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(stream.size()));
  {
    std::unique_lock lock(received.mutex);
    received.changed.wait_for(lock, std::chrono::seconds(5),
                              [&] { return received.messages.size() >= 2; });
    ASSERT_EQ(received.messages.size(), 2u);
    EXPECT_EQ(received.messages[0], a);
    EXPECT_EQ(received.messages[1], b);
  }
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(Framings, LibloServer,
                         ::testing::Values(Framing::size_prefix, Framing::slip));

TEST(OscStreamLiblo, LibloTcpClientFramesDecodeWithOurs) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));

  lo_address target = lo_address_new_with_proto(LO_TCP, "127.0.0.1", port.c_str());
  ASSERT_NE(target, nullptr);
  ASSERT_GE(lo_send(target, "/clara/from_lo", "is", 42, "liblo"), 0) << lo_address_errstr(target);
  ASSERT_GE(lo_send(target, "/clara/again", "f", 0.5f), 0) << lo_address_errstr(target);

  pollfd wait_accept{listener, POLLIN, 0};
  ASSERT_EQ(::poll(&wait_accept, 1, 5000), 1);
  const int fd = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(fd, 0);
  StreamDecoder d;
  Frames frames;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (frames.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) continue;
    std::uint8_t buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    const auto err = d.feed(std::span(buf, static_cast<std::size_t>(n)), frames);
    ASSERT_FALSE(err) << *err;
  }
  EXPECT_EQ(d.framing(), Framing::size_prefix);
  ASSERT_EQ(frames.size(), 2u);
  const DecodeResult first = decode_packet(frames[0]);
  ASSERT_TRUE(std::holds_alternative<std::vector<TimedOscMessage>>(first));
  EXPECT_EQ(std::get<std::vector<TimedOscMessage>>(first).at(0).message,
            make_message("/clara/from_lo", {std::int32_t{42}, std::string("liblo")}));
  const DecodeResult second = decode_packet(frames[1]);
  ASSERT_TRUE(std::holds_alternative<std::vector<TimedOscMessage>>(second));
  EXPECT_EQ(std::get<std::vector<TimedOscMessage>>(second).at(0).message,
            make_message("/clara/again", {0.5f}));
  lo_address_free(target);
  ::close(fd);
  ::close(listener);
}

}  // namespace
}  // namespace clara::osc
