#include "tools/ctl/osc_client.hpp"

#include <csignal>
#include <span>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <asio.hpp>

#include "core/osc/osc_stream.hpp"

namespace clara::ctl {
namespace {

using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

std::string seconds_text(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  std::string s = std::to_string(n / 1000);
  if (n % 1000 != 0) {
    std::string frac = std::to_string(1000 + n % 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + " s";
}

osc::Framing framing_of(Transport t) { return t == Transport::slip ? osc::Framing::slip : osc::Framing::size_prefix; }

}  // namespace

std::string describe(const Target& target) {
  const bool v6 = target.host.find(':') != std::string::npos;
  const std::string where = (v6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
  switch (target.transport) {
    case Transport::udp: return "udp " + where;
    case Transport::tcp: return "tcp " + where;
    case Transport::slip: return "tcp " + where + " (SLIP)";
  }
  return where;
}

struct OscClient::Io {
  asio::io_context context;
  udp::socket udp_socket{context};
  tcp::socket tcp_socket{context};
  std::optional<asio::signal_set> signals;
  osc::StreamDecoder stream;
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(osc::kMaxPacketBytes);
  bool reading = false;
  std::error_code read_error;
  std::string stream_error;   // the stream stopped decoding: clarad and we disagree on framing
  std::string decode_error;   // the last packet that did not decode, for the no-reply message

  explicit Io(osc::Framing framing) : stream(framing) {}

  // Runs handlers until one ran or the deadline passed.
  void run_until(Clock::time_point deadline) {
    if (context.stopped()) context.restart();
    context.run_one_until(deadline);
  }
};

OscClient::OscClient(Target target) : target_(std::move(target)), io_(std::make_unique<Io>(framing_of(target_.transport))) {
  const std::string service = std::to_string(target_.port);
  // No address_configured flag: a loopback-only machine still reaches ::1.
  std::error_code ec;
  if (target_.transport == Transport::udp) {
    udp::resolver resolver(io_->context);
    auto endpoints = resolver.resolve(target_.host, service, udp::resolver::numeric_service, ec);
    if (ec || endpoints.empty())
      throw Unavailable("cannot resolve host '" + target_.host + "': " + (ec ? ec.message() : "no address"));
    // Connected: the kernel drops datagrams from anyone but the target and turns
    // "port unreachable" into a refused receive, so no daemon fails fast.
    const udp::endpoint endpoint = *endpoints.begin();
    io_->udp_socket.open(endpoint.protocol(), ec);
    if (!ec) io_->udp_socket.connect(endpoint, ec);
    if (ec) throw Unavailable("cannot reach " + describe(target_) + ": " + ec.message());
    return;
  }
  tcp::resolver resolver(io_->context);
  auto endpoints = resolver.resolve(target_.host, service, tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    throw Unavailable("cannot resolve host '" + target_.host + "': " + (ec ? ec.message() : "no address"));
  bool done = false;
  std::error_code connect_error;
  asio::async_connect(io_->tcp_socket, endpoints, [&](const std::error_code& e, const tcp::endpoint&) {
    done = true;
    connect_error = e;
  });
  const auto deadline = Clock::now() + target_.timeout;
  while (!done && Clock::now() < deadline) io_->run_until(deadline);
  if (!done) {
    io_->tcp_socket.close(ec);  // cancels the attempt; its handler runs next
    while (!done) io_->run_until(Clock::now() + std::chrono::seconds(1));
    throw Unavailable("no connection to " + describe(target_) + " within " + seconds_text(target_.timeout) +
                      ": is clarad running there?");
  }
  if (connect_error == asio::error::connection_refused)
    throw Unavailable("connection to " + describe(target_) + " refused: is clarad running there, with its TCP port open?");
  if (connect_error) throw Unavailable("cannot connect to " + describe(target_) + ": " + connect_error.message());
  io_->tcp_socket.set_option(tcp::no_delay(true), ec);
  if (target_.token) authenticate();
}

OscClient::~OscClient() = default;

void OscClient::authenticate() {
  const auto reply = request(osc::make_message("/clara/auth", {*target_.token}), [](const osc::Message& m) {
    return (m.address == "/clara/ok" || m.address == "/clara/error") && !m.arguments.empty() &&
           m.arguments[0] == osc::Value(std::string("/clara/auth"));
  });
  if (reply.address == "/clara/error") {
    const auto* reason = reply.arguments.size() > 1 ? std::get_if<std::string>(&reply.arguments[1]) : nullptr;
    throw Refused(reason ? *reason : "authentication refused");
  }
}

void OscClient::send(const osc::Message& message) {
  std::error_code ec;
  if (target_.transport == Transport::udp) {
    const auto packet = target_.token
                            ? osc::encode_bundle(osc::kImmediately,
                                                 {osc::make_message("/clara/auth", {*target_.token}), message})
                            : osc::encode_message(message);
    io_->udp_socket.send(asio::buffer(packet), 0, ec);
    // A refusal here is the ICMP answer to an earlier datagram: nothing listens.
    if (ec == asio::error::connection_refused)
      throw Unavailable("nothing listens on " + describe(target_) + " (connection refused): is clarad running there?");
  } else {
    // Over TCP the connection was authenticated once, when it opened.
    const auto packet = osc::encode_message(message);
    asio::write(io_->tcp_socket, asio::buffer(osc::frame_packet(framing_of(target_.transport), packet)), ec);
  }
  if (ec) throw Unavailable("cannot send to " + describe(target_) + ": " + ec.message());
}

std::optional<osc::Message> OscClient::receive(Clock::time_point deadline) {
  Io& io = *io_;
  for (;;) {
    if (!inbox_.empty()) {
      osc::Message m = std::move(inbox_.front());
      inbox_.pop_front();
      return m;
    }
    if (stopped_) return std::nullopt;
    if (!io.stream_error.empty())
      throw Unavailable("the stream from " + describe(target_) + " does not decode: " + io.stream_error);
    if (io.read_error) {
      if (io.read_error == asio::error::connection_refused)
        throw Unavailable("nothing listens on " + describe(target_) + " (connection refused): is clarad running there?");
      if (io.read_error == asio::error::eof)
        throw Unavailable(describe(target_) + " closed the connection" +
                          (target_.token ? ": is the token right?" : ""));
      throw Unavailable("lost " + describe(target_) + ": " + io.read_error.message());
    }
    if (Clock::now() >= deadline) return std::nullopt;
    if (!io.reading) {
      io.reading = true;
      auto take = [this, &io](const std::error_code& ec, std::size_t n) {
        io.reading = false;
        if (ec) {
          if (ec != asio::error::operation_aborted) io.read_error = ec;
          return;
        }
        std::vector<std::vector<std::uint8_t>> packets;
        if (target_.transport == Transport::udp) {
          packets.emplace_back(io.buffer.begin(), io.buffer.begin() + static_cast<std::ptrdiff_t>(n));
        } else if (auto err = io.stream.feed(std::span(io.buffer.data(), n), packets)) {
          io.stream_error = *err;
        }
        for (const auto& p : packets) {
          auto decoded = osc::decode_packet(p);
          if (const auto* error = std::get_if<osc::DecodeError>(&decoded)) {
            io.decode_error = error->what;
            continue;
          }
          for (auto& timed : std::get<std::vector<osc::TimedOscMessage>>(decoded)) inbox_.push_back(std::move(timed.message));
        }
      };
      if (target_.transport == Transport::udp)
        io.udp_socket.async_receive(asio::buffer(io.buffer), take);
      else
        io.tcp_socket.async_read_some(asio::buffer(io.buffer), take);
    }
    io.run_until(deadline);
  }
}

osc::Message OscClient::request(const osc::Message& message, const std::function<bool(const osc::Message&)>& answers) {
  send(message);
  const auto deadline = Clock::now() + target_.timeout;
  while (auto reply = receive(deadline))
    if (answers(*reply)) return std::move(*reply);
  throw Unavailable(no_reply_message());
}

std::string OscClient::no_reply_message() const {
  std::string s = "no reply from " + describe(target_) + " within " + seconds_text(target_.timeout) +
                  (target_.token ? ": is clarad running there, and is the token right?"
                                 : ": is clarad running there, with OSC on that port?");
  if (!io_->decode_error.empty()) s += " (a packet that came did not decode: " + io_->decode_error + ")";
  return s;
}

void OscClient::stop_on_signals() {
  if (io_->signals) return;
  io_->signals.emplace(io_->context, SIGINT, SIGTERM);
  io_->signals->async_wait([this](const std::error_code& ec, int) {
    if (!ec) stopped_ = true;
  });
}

}  // namespace clara::ctl
