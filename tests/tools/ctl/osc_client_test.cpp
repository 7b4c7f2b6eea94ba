// The client over real loopback sockets against a liblo fake of clarad.
#include "tools/ctl/osc_client.hpp"

#include <gtest/gtest.h>

#include "tests/tools/ctl/fake_clarad.hpp"
#include "tools/ctl/ctl_request.hpp"

namespace clara::ctl {
namespace {

using namespace std::chrono_literals;
using test::FakeClarad;

Target target_of(const FakeClarad& fake, Transport transport, std::chrono::milliseconds timeout = 1000ms) {
  Target t;
  t.port = fake.port();
  t.transport = transport;
  t.timeout = timeout;
  return t;
}

osc::Message ask(OscClient& client, const osc::Message& request) {
  return client.request(request, [&](const osc::Message& m) { return answers(request, m); });
}

void expect_status_reply(const osc::Message& reply) {
  ASSERT_EQ(reply.address, "/clara/status");
  ASSERT_GE(reply.arguments.size(), 4u);
  EXPECT_EQ(reply.arguments[0], osc::Value(std::string("mode")));
  EXPECT_EQ(reply.arguments[1], osc::Value(std::string("duet")));
}

TEST(OscClient, UdpRequestGetsItsReply) {
  FakeClarad fake({});
  OscClient client(target_of(fake, Transport::udp));
  expect_status_reply(ask(client, osc::make_message("/clara/status", {})));
  EXPECT_EQ(fake.received(), std::vector<std::string>{"/clara/status "});
}

TEST(OscClient, TcpSizePrefixedRequestGetsItsReply) {
  FakeClarad fake(FakeClarad::Options().tcp());
  OscClient client(target_of(fake, Transport::tcp));
  expect_status_reply(ask(client, osc::make_message("/clara/status", {})));
  // One connection, several requests.
  const auto value = ask(client, osc::make_message("/clara/get", {std::string("tempo")}));
  EXPECT_EQ(value, osc::make_message("/clara/value", {std::string("tempo"), 120.0f}));
}

TEST(OscClient, TcpSlipRequestGetsItsReply) {
  FakeClarad fake(FakeClarad::Options().tcp_slip());
  OscClient client(target_of(fake, Transport::slip));
  expect_status_reply(ask(client, osc::make_message("/clara/status", {})));
}

TEST(OscClient, ArgumentsOfEveryCommonTypeArriveAsSent) {
  FakeClarad fake({});
  OscClient client(target_of(fake, Transport::udp));
  const auto reply = ask(client, make_raw("/clara/meter", "ii", {"3", "4"}));
  EXPECT_EQ(reply, osc::make_message("/clara/ok", {std::string("/clara/meter")}));
  ask(client, make_raw("/clara/playing", "F", {}));
  ask(client, make_raw("/clara/temperature", "f", {"0.75"}));
  EXPECT_EQ(fake.received(),
            (std::vector<std::string>{"/clara/meter ii 3 4", "/clara/playing F false", "/clara/temperature f 0.75"}));
}

TEST(OscClient, SilenceTimesOutAfterTheTimeoutNamingTheTarget) {
  FakeClarad fake(FakeClarad::Options().mute());
  OscClient client(target_of(fake, Transport::udp, 300ms));
  const auto start = std::chrono::steady_clock::now();
  try {
    ask(client, osc::make_message("/clara/status", {}));
    FAIL() << "no reply should throw";
  } catch (const Unavailable& e) {
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 290ms);
    EXPECT_LT(waited, 1500ms);
    const std::string what = e.what();
    EXPECT_NE(what.find("no reply from udp 127.0.0.1:" + std::to_string(fake.port()) + " within 0.3 s"), std::string::npos)
        << what;
  }
}

TEST(OscClient, NothingListeningOnUdpFailsFastAsRefused) {
  Target t;
  t.port = test::unused_port(LO_UDP);
  t.timeout = 5000ms;  // the ICMP answer, not the timeout, ends the wait
  OscClient client(t);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(ask(client, osc::make_message("/clara/status", {})), Unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
}

TEST(OscClient, NothingListeningOnTcpIsARefusedConnection) {
  Target t;
  t.port = test::unused_port(LO_TCP);
  t.transport = Transport::tcp;
  try {
    OscClient client(t);
    FAIL() << "connecting should throw";
  } catch (const Unavailable& e) {
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
}

TEST(OscClient, UnresolvableHostIsUnavailable) {
  Target t;
  t.host = "no-such-host.invalid";
  try {
    OscClient client(t);
    FAIL() << "resolving should throw";
  } catch (const Unavailable& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos) << e.what();
  }
}

TEST(OscClient, RepliesFromAnotherPortAreIgnored) {
  FakeClarad fake(FakeClarad::Options().with_decoy());
  OscClient client(target_of(fake, Transport::udp));
  const auto reply = ask(client, osc::make_message("/clara/status", {}));
  expect_status_reply(reply);
  // And nothing from the decoy is left waiting either.
  EXPECT_FALSE(client.receive(std::chrono::steady_clock::now() + 100ms).has_value());
}

TEST(OscClient, MessagesThatDoNotAnswerAreSkipped) {
  FakeClarad fake(FakeClarad::Options().with_noise());
  OscClient client(target_of(fake, Transport::udp));
  expect_status_reply(ask(client, osc::make_message("/clara/status", {})));
  const auto ok = ask(client, osc::make_message("/clara/panic", {}));
  EXPECT_EQ(ok, osc::make_message("/clara/ok", {std::string("/clara/panic")}));
}

TEST(OscClient, UdpTokenLeadsEveryRequestInABundle) {
  FakeClarad fake(FakeClarad::Options().with_token("s3cret"));
  {
    Target t = target_of(fake, Transport::udp);
    t.token = "s3cret";
    OscClient client(t);
    expect_status_reply(ask(client, osc::make_message("/clara/status", {})));
    ask(client, osc::make_message("/clara/panic", {}));
  }
  EXPECT_EQ(fake.received(),
            (std::vector<std::string>{"/clara/auth s", "/clara/status ", "/clara/auth s", "/clara/panic "}));
}

TEST(OscClient, WrongOrMissingTokenGetsNoReplyAndTheMessageSaysSo) {
  FakeClarad fake(FakeClarad::Options().with_token("s3cret"));
  for (std::optional<std::string> token : {std::optional<std::string>("wrong"), std::optional<std::string>()}) {
    Target t = target_of(fake, Transport::udp, 200ms);
    t.token = token;
    OscClient client(t);
    try {
      ask(client, osc::make_message("/clara/status", {}));
      FAIL() << "no reply should throw";
    } catch (const Unavailable& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("wrong"), std::string::npos) << "the token is never printed: " << what;
      if (token) {
        EXPECT_NE(what.find("is the token right?"), std::string::npos) << what;
      }
    }
  }
  EXPECT_EQ(fake.count("/clara/status"), 0u);
}

TEST(OscClient, TcpTokenAuthenticatesTheConnectionOnce) {
  FakeClarad fake(FakeClarad::Options().tcp().with_token("s3cret"));
  Target t = target_of(fake, Transport::tcp);
  t.token = "s3cret";
  OscClient client(t);
  expect_status_reply(ask(client, osc::make_message("/clara/status", {})));
  ask(client, osc::make_message("/clara/panic", {}));
  EXPECT_EQ(fake.received(), (std::vector<std::string>{"/clara/auth s", "/clara/status ", "/clara/panic "}));
}

TEST(OscClient, TcpWrongTokenTimesOutWhileConnecting) {
  FakeClarad fake(FakeClarad::Options().tcp().with_token("s3cret"));
  Target t = target_of(fake, Transport::tcp, 200ms);
  t.token = "nope";
  try {
    OscClient client(t);
    FAIL() << "authentication should time out";
  } catch (const Unavailable& e) {
    EXPECT_NE(std::string(e.what()).find("is the token right?"), std::string::npos) << e.what();
  }
}

TEST(OscClient, DescribeNamesTransportAndAddress) {
  Target t;
  EXPECT_EQ(describe(t), "udp 127.0.0.1:9000");
  t.host = "::1";
  t.transport = Transport::slip;
  EXPECT_EQ(describe(t), "tcp [::1]:9000 (SLIP)");
}

}  // namespace
}  // namespace clara::ctl
