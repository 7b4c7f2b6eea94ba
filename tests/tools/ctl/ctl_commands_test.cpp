// `clara ctl`'s subcommands end to end: words in, a liblo fake clarad on loopback,
// printed text and exit code out.
#include "tools/ctl/ctl_commands.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>
#include <thread>

#include "tests/tools/ctl/fake_clarad.hpp"
#include "tools/ctl/ctl_request.hpp"

namespace clara::ctl {
namespace {

using namespace std::chrono_literals;
using test::FakeClarad;

struct Run {
  int code;
  std::string out, err;
};

Run run(const FakeClarad& fake, const std::vector<std::string>& words, Transport transport = Transport::udp) {
  CtlOptions options;
  options.target.port = fake.port();
  options.target.transport = transport;
  std::ostringstream out, err;
  const int code = run_ctl(options, words, out, err);
  return {code, out.str(), err.str()};
}

TEST(CtlCommands, StatusPrintsAlignedKeyValueLines) {
  FakeClarad fake({});
  const auto r = run(fake, {"status"});
  EXPECT_EQ(r.code, kCtlOk);
  EXPECT_EQ(r.out,
            "mode:             duet\n"
            "model:            chordwise-piano\n"
            "human_instrument: piano\n"
            "playing:          true\n"
            "temperature:      0.9\n"
            "tempo:            120\n"
            "top_k:            0\n");
  EXPECT_EQ(r.err, "");
}

TEST(CtlCommands, SetConvertsWithTheListedTypes) {
  FakeClarad fake({});
  EXPECT_EQ(run(fake, {"set", "temperature", "0.8"}).code, kCtlOk);
  EXPECT_EQ(run(fake, {"set", "meter", "3", "4"}).code, kCtlOk);
  EXPECT_EQ(run(fake, {"set", "playing", "off"}).code, kCtlOk);
  EXPECT_EQ(fake.received(), (std::vector<std::string>{"/clara/list ", "/clara/temperature f 0.8", "/clara/list ",
                                                       "/clara/meter ii 3 4", "/clara/list ", "/clara/playing F false"}));
  EXPECT_EQ(run(fake, {"get", "meter"}).out, "3 4\n");
  EXPECT_EQ(run(fake, {"get", "temperature"}).out, "0.8\n");
}

TEST(CtlCommands, SetWithABadValueSendsNothingAndIsAUsageError) {
  FakeClarad fake({});
  try {
    run(fake, {"set", "temperature", "warm"});
    FAIL() << "a value that does not parse is a usage error";
  } catch (const RequestError& e) {
    EXPECT_STREQ(e.what(), "temperature: 'warm' is not a number (float32)");
  }
  try {
    run(fake, {"set", "tempreature", "1"});
    FAIL() << "an unknown key is a usage error";
  } catch (const RequestError& e) {
    EXPECT_NE(std::string(e.what()).find("; the keys clarad can set: human_instrument, meter, mode, model, playing, temperature, tempo, top_k"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(fake.received(), (std::vector<std::string>{"/clara/list ", "/clara/list "}));
}

TEST(CtlCommands, WrongWordCountsAreUsageErrorsBeforeAnythingIsSent) {
  FakeClarad fake({});
  EXPECT_THROW(run(fake, {}), RequestError);
  EXPECT_THROW(run(fake, {"frobnicate"}), RequestError);
  EXPECT_THROW(run(fake, {"status", "now"}), RequestError);
  EXPECT_THROW(run(fake, {"set", "temperature"}), RequestError);
  EXPECT_THROW(run(fake, {"get"}), RequestError);
  EXPECT_THROW(run(fake, {"send", "/clara/tempo", "f"}), RequestError);
  EXPECT_TRUE(fake.received().empty());
}

TEST(CtlCommands, ARefusalExits65WithTheReason) {
  FakeClarad fake({});
  auto r = run(fake, {"set", "temperature", "9"});
  EXPECT_EQ(r.code, kCtlRefused);
  EXPECT_EQ(r.err, "clara ctl: refused: temperature must be in (0, 5]\n");
  r = run(fake, {"model", "no-such-model"});
  EXPECT_EQ(r.code, kCtlRefused);
  EXPECT_EQ(r.err, "clara ctl: refused: no model 'no-such-model'\n");
  // A model accepted, then refused once loaded: the reason from model_swap.
  r = run(fake, {"model", "broken-model"});
  EXPECT_EQ(r.code, kCtlRefused);
  EXPECT_EQ(r.err, "clara ctl: refused: weights.pt: sha256 mismatch\n");
  r = run(fake, {"get", "nothing"});
  EXPECT_EQ(r.code, kCtlRefused);
}

TEST(CtlCommands, CommandsWithoutArgumentsAndTheirOk) {
  FakeClarad fake(FakeClarad::Options().tcp());
  for (const char* c : {"panic", "start", "stop", "reset"}) {
    const auto r = run(fake, {c}, Transport::tcp);
    EXPECT_EQ(r.code, kCtlOk) << c << ": " << r.err;
    EXPECT_EQ(r.out, "") << c;
  }
  EXPECT_EQ(run(fake, {"mode", "call-and-response"}, Transport::tcp).code, kCtlOk);
  const auto model = run(fake, {"model", "notewise-piano"}, Transport::tcp);
  EXPECT_EQ(model.code, kCtlOk);
  EXPECT_EQ(model.out, "playing notewise-piano\n");  // the outcome, asked for after the ok
  EXPECT_EQ(fake.received(), (std::vector<std::string>{"/clara/panic ", "/clara/start ", "/clara/stop ", "/clara/reset ",
                                                       "/clara/mode s call-and-response",
                                                       "/clara/model s notewise-piano", "/clara/get s model_swap",
                                                       "/clara/get s model"}));
}

TEST(CtlCommands, ModelsIsATableMarkingThePlayingModel) {
  FakeClarad fake({});
  ASSERT_EQ(run(fake, {"model", "notewise-piano"}).code, kCtlOk);
  const auto r = run(fake, {"models"});
  EXPECT_EQ(r.code, kCtlOk);
  EXPECT_EQ(r.out,
            "   NAME             ENCODING   INSTRUMENTS  HELD-OUT NLL\n"
            "   chordwise-piano  chordwise  piano        1.250\n"
            "*  notewise-piano   notewise   piano        -\n");
}

TEST(CtlCommands, MetricsAndList) {
  FakeClarad fake({});
  EXPECT_EQ(run(fake, {"metrics"}).out, "steps:       1234\nstep_ms_p99: 2.5\n");
  const auto list = run(fake, {"list"}).out;
  EXPECT_NE(list.find("/clara/meter             ii\n"), std::string::npos) << list;
  EXPECT_NE(list.find("/clara/panic             -\n"), std::string::npos) << list;
}

TEST(CtlCommands, SendIsRawAndPrintsTheReply) {
  FakeClarad fake({});
  auto r = run(fake, {"send", "/clara/meter", "ii", "5", "8"});
  EXPECT_EQ(r.code, kCtlOk);
  EXPECT_EQ(r.out, "/clara/ok /clara/meter\n");
  r = run(fake, {"send", "/clara/nothing"});
  EXPECT_EQ(r.code, kCtlRefused);
  EXPECT_EQ(r.err, "clara ctl: refused: unknown address\n");
  EXPECT_EQ(fake.count("/clara/meter ii 5 8"), 1u);
}

TEST(CtlCommands, NoDaemonExits69WithAClearMessage) {
  CtlOptions options;
  options.target.port = test::unused_port(LO_UDP);
  std::ostringstream out, err;
  EXPECT_EQ(run_ctl(options, {"status"}, out, err), kCtlUnavailable);
  EXPECT_NE(err.str().find("clara ctl: nothing listens on udp 127.0.0.1:"), std::string::npos) << err.str();
  FakeClarad silent(FakeClarad::Options().mute());
  options.target.port = silent.port();
  options.target.timeout = 200ms;
  err.str("");
  EXPECT_EQ(run_ctl(options, {"set", "temperature", "0.5"}, out, err), kCtlUnavailable);
  EXPECT_NE(err.str().find("no reply from udp"), std::string::npos) << err.str();
  EXPECT_EQ(silent.received(), std::vector<std::string>{"/clara/list "});
}

TEST(CtlCommands, WatchPrintsPushesRenewsAndUnsubscribesOnSigint) {
  FakeClarad fake({});
  CtlOptions options;
  options.target.port = fake.port();
  options.renew_every = 150ms;
  std::ostringstream out, err;
  int code = -1;
  std::thread watcher([&] { code = run_ctl(options, {"watch"}, out, err); });
  // The fake pushes tempo and meter on subscribing; another controller then changes a setting.
  ASSERT_TRUE(fake.wait_for("/clara/subscribe", 1));
  {
    std::ostringstream o, e;
    CtlOptions other;
    other.target.port = fake.port();
    ASSERT_EQ(run_ctl(other, {"set", "temperature", "1.5"}, o, e), kCtlOk);
  }
  EXPECT_TRUE(fake.wait_for("/clara/subscribe", 3));  // renewed twice
  std::this_thread::sleep_for(50ms);
  ::kill(::getpid(), SIGINT);  // the watcher's signal_set is installed before it subscribes
  watcher.join();
  EXPECT_EQ(code, kCtlOk);
  EXPECT_TRUE(fake.wait_for("/clara/unsubscribe", 1));
  std::istringstream lines(out.str());
  std::vector<std::string> seen;
  for (std::string line; std::getline(lines, line);) seen.push_back(line.substr(line.find("  ", line.find_first_not_of(' ')) + 2));
  // Renewals make the fake push tempo and meter again: the first three are these.
  ASSERT_GE(seen.size(), 3u) << out.str();
  EXPECT_EQ(seen[0], "tempo: 120");
  EXPECT_EQ(seen[1], "meter: 4 4");
  EXPECT_NE(out.str().find("temperature: 1.5\n"), std::string::npos) << out.str();
  EXPECT_NE(err.str().find("watching udp 127.0.0.1:"), std::string::npos);
  // Signals are back to their default handling once the watch is over.
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST(CtlCommands, HelpListsEverySubcommand) {
  const auto help = subcommands_help();
  for (const char* c : {"status", "get KEY", "set KEY VALUE...", "models", "model NAME", "mode MODE", "panic", "start",
                        "stop", "reset", "metrics", "list", "send ADDRESS", "watch"})
    EXPECT_NE(help.find(std::string("  ") + c), std::string::npos) << c;
}

}  // namespace
}  // namespace clara::ctl
