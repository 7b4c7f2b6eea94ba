// osc_abuse: hostile traffic against a running clarad's OSC port on 127.0.0.1, while a
// prober asks /clara/status every 50 ms from its own socket and times each reply.
//   osc_abuse PORT PHASE SECONDS [DATAGRAMS]
// PHASE: "idle"  only the prober (the baseline);
//        "udp"   DATAGRAMS random and mutated datagrams (default 1000000) as fast as the
//                target rate allows (20000/s), spread over SECONDS at most;
//        "tcp"   a 2 GiB size prefix, an endless SLIP frame, 1000 idle connections held
//                open, random bytes on fresh connections, for SECONDS.
// Prints one line of figures: what was sent and the status replies' latency p50/p99/max and
// how many went unanswered. Loopback only, bounded in count and time.
#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/osc/osc_packet.hpp"

using asio::ip::tcp;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;

namespace {

struct ProbeResult {
  std::vector<double> latencies_ms;
  int unanswered = 0;
};

// /clara/status every 50 ms; a reply within 1 s counts.
void probe(int port, std::atomic<bool>& stop, ProbeResult& result) {
  asio::io_context io;
  udp::socket s(io, udp::endpoint(udp::v4(), 0));
  s.non_blocking(true);
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  const auto request = clara::osc::encode_message(clara::osc::make_message("/clara/status", {}));
  std::vector<std::uint8_t> buf(70000);
  auto next = Clock::now();
  while (!stop) {
    next += std::chrono::milliseconds(50);
    const auto sent = Clock::now();
    std::error_code ec;
    s.send_to(asio::buffer(request), to, 0, ec);
    bool answered = false;
    while (Clock::now() - sent < std::chrono::seconds(1)) {
      udp::endpoint from;
      const std::size_t n = s.receive_from(asio::buffer(buf), from, 0, ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      if (ec) break;
      auto d = clara::osc::decode_packet({buf.data(), n});
      auto* ms = std::get_if<std::vector<clara::osc::TimedOscMessage>>(&d);
      if (ms && !ms->empty() && ms->front().message.address == "/clara/status") {
        result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        answered = true;
        break;
      }
    }
    if (!answered) ++result.unanswered;
    std::this_thread::sleep_until(std::max(next, Clock::now()));
  }
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

std::uint64_t udp_flood(int port, long count, double seconds) {
  asio::io_context io;
  udp::socket s(io, udp::endpoint(udp::v4(), 0));
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  std::mt19937 rng(20261202);
  // Valid packets to mutate: each address of the space with plausible arguments.
  std::vector<std::vector<std::uint8_t>> valid;
  using clara::osc::make_message;
  for (auto m : {make_message("/clara/temperature", {0.8f}), make_message("/clara/mode", {std::string("solo")}),
                 make_message("/clara/meter", {std::int32_t{3}, std::int32_t{4}}),
                 make_message("/clara/route", {std::string("p"), std::int32_t{1}, std::int32_t{0}}),
                 make_message("/clara/get", {std::string("tempo")}), make_message("/clara/status", {})})
    valid.push_back(clara::osc::encode_message(m));
  valid.push_back(clara::osc::encode_bundle(1, {make_message("/clara/top_k", {std::int32_t{5}}),
                                                make_message("/clara/seed", {std::int32_t{3}})}));
  const double rate = 20000.0;
  const auto start = Clock::now();
  std::uint64_t sent = 0;
  std::vector<std::uint8_t> b;
  while (static_cast<long>(sent) < count &&
         std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    // Pace: no faster than `rate` on average.
    const double due = static_cast<double>(sent) / rate;
    if (std::chrono::duration<double>(Clock::now() - start).count() < due) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    const unsigned kind = rng() % 4;
    if (kind == 0) {  // random bytes, random length
      b.resize(rng() % 512);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    } else {  // a valid packet with bytes flipped, cut or grown
      b = valid[rng() % valid.size()];
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
      if (kind == 2) b.resize(rng() % (b.size() + 1));
      if (kind == 3) b.resize(b.size() + rng() % 64, static_cast<std::uint8_t>(rng()));
    }
    std::error_code ec;
    s.send_to(asio::buffer(b), to, 0, ec);
    ++sent;
  }
  return sent;
}

std::uint64_t tcp_abuse(int port, double seconds) {
  asio::io_context io;
  const tcp::endpoint to(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  std::uint64_t actions = 0;
  std::error_code ec;
  {  // a 2 GiB size prefix
    tcp::socket s(io);
    s.connect(to, ec);
    const std::uint8_t prefix[] = {0x7f, 0xff, 0xff, 0xff, '/', 'x', 0, 0};
    asio::write(s, asio::buffer(prefix), ec);
    ++actions;
  }
  {  // an endless SLIP frame: 4 MiB without an END
    tcp::socket s(io);
    s.connect(to, ec);
    std::vector<std::uint8_t> frame(4 << 20, '/');
    frame[0] = 0xC0;
    asio::write(s, asio::buffer(frame), ec);
    ++actions;
  }
  // 1000 idle connections, held for the phase.
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.emplace_back(io);
    idle.back().connect(to, ec);
    ++actions;
  }
  std::mt19937 rng(7);
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    tcp::socket s(io);
    s.connect(to, ec);
    std::vector<std::uint8_t> junk(rng() % 2048);
    for (auto& x : junk) x = static_cast<std::uint8_t>(rng());
    if (!junk.empty()) junk[0] = (rng() % 2) ? 0xC0 : 0x00;
    asio::write(s, asio::buffer(junk), ec);
    ++actions;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return actions;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: osc_abuse PORT idle|udp|tcp SECONDS [DATAGRAMS]\n");
    return 64;
  }
  const int port = std::atoi(argv[1]);
  const std::string phase = argv[2];
  const double seconds = std::atof(argv[3]);
  const long datagrams = argc > 4 ? std::atol(argv[4]) : 1000000;
  std::atomic<bool> stop{false};
  ProbeResult result;
  std::thread prober([&] { probe(port, stop, result); });
  const auto start = Clock::now();
  std::uint64_t sent = 0;
  if (phase == "udp") {
    sent = udp_flood(port, datagrams, seconds);
  } else if (phase == "tcp") {
    sent = tcp_abuse(port, seconds);
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  prober.join();
  std::printf("phase %s: sent %llu in %.1f s (%.0f/s); status replies %zu, unanswered %d, latency ms p50 %.2f p99 %.2f max %.2f\n",
              phase.c_str(), static_cast<unsigned long long>(sent), took, static_cast<double>(sent) / took,
              result.latencies_ms.size(), result.unanswered, quantile(result.latencies_ms, 0.5),
              quantile(result.latencies_ms, 0.99), quantile(result.latencies_ms, 1.0));
  return 0;
}
