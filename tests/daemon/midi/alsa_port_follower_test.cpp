// The ALSA backend's hot-plug against a sequencer simulated in memory: this machine and CI have
// no /dev/snd/seq. The simulation keeps what the kernel keeps: ports by address, subscriptions
// that go when either port goes.
#include "daemon/midi/alsa_port_follower.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace clara::daemon {
namespace {

class FakeSequencer final : public Sequencer {
 public:
  SeqAddress add(std::string client, std::string port, bool source, bool destination, int client_id = -1) {
    SeqPort p;
    p.address = {client_id >= 0 ? client_id : next_client_++, 0};
    p.client_name = std::move(client);
    p.port_name = std::move(port);
    p.source = source;
    p.destination = destination;
    ports_.push_back(p);
    return p.address;
  }
  void remove(SeqAddress a) {
    std::erase_if(ports_, [&](const SeqPort& p) { return p.address == a; });
    std::erase_if(subs_, [&](const auto& s) { return s.first == a || s.second == a; });
  }

  std::vector<SeqPort> ports() override { return ports_; }
  bool subscribed(SeqAddress from, SeqAddress to) override { return subs_.count({from, to}) > 0; }
  std::string subscribe(SeqAddress from, SeqAddress to) override {
    ++attempts;
    if (refuse) return "Operation not permitted";
    subs_.insert({from, to});
    return {};
  }
  std::string unsubscribe(SeqAddress from, SeqAddress to) override {
    subs_.erase({from, to});
    return {};
  }
  std::vector<SeqAddress> connections(SeqAddress port, bool readers) override {
    std::vector<SeqAddress> out;
    for (const auto& [from, to] : subs_)
      if (readers ? from == port : to == port) out.push_back(readers ? to : from);
    return out;
  }
  SeqChange wait(std::chrono::milliseconds) override { return {}; }

  bool refuse = false;
  int attempts = 0;

 private:
  struct Less {
    bool operator()(const std::pair<SeqAddress, SeqAddress>& a, const std::pair<SeqAddress, SeqAddress>& b) const {
      auto key = [](const std::pair<SeqAddress, SeqAddress>& s) {
        return std::tuple(s.first.client, s.first.port, s.second.client, s.second.port);
      };
      return key(a) < key(b);
    }
  };
  std::vector<SeqPort> ports_;
  std::set<std::pair<SeqAddress, SeqAddress>, Less> subs_;
  int next_client_ = 128;
};

// clarad as RtMidi makes it: one client for each port, all named after clarad.
struct Clarad {
  FakeSequencer seq;
  SeqAddress in = seq.add("clara", "Clara In", false, true);
  SeqAddress out = seq.add("clara", "Clara Out", true, false);
  PortPatterns input{"connect_input", {"Keystep"}};
  std::vector<PortPatterns> outputs{PortPatterns{"outputs[0].connect", {"MicroFreak"}}};
  AlsaPortFollower follower{seq, "clara", "Clara In", input, {"Clara Out"}, outputs};
};

TEST(AlsaPortFollower, ConnectsKeyboardToTheInputAndTheOutputToTheSynth) {
  Clarad c;
  const SeqAddress keys = c.seq.add("Arturia KeyStep 32", "Keystep MIDI 1", true, true);
  const SeqAddress synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", true, true);
  const SeqAddress other = c.seq.add("Midi Through", "Midi Through Port-0", true, true);
  // The pattern is the connect settings' (case-sensitive regex), so "Keystep" matches the port name.
  const auto r = c.follower.scan(false);
  EXPECT_EQ(r.connected, 2);
  EXPECT_TRUE(r.new_output);
  EXPECT_TRUE(c.seq.subscribed(keys, c.in));
  EXPECT_TRUE(c.seq.subscribed(c.out, synth));
  EXPECT_FALSE(c.seq.subscribed(c.out, keys)) << "the output's pattern does not match the keyboard";
  EXPECT_FALSE(c.seq.subscribed(other, c.in));
  EXPECT_FALSE(c.seq.subscribed(c.out, other));
  // Nothing new: nothing done again.
  const int attempts = c.seq.attempts;
  const auto again = c.follower.scan(false);
  EXPECT_EQ(again.connected, 0);
  EXPECT_FALSE(again.new_output);
  EXPECT_EQ(c.seq.attempts, attempts);
}

TEST(AlsaPortFollower, ASynthUnpluggedAndPluggedBackIsConnectedAgainAndPanickedOn) {
  Clarad c;
  SeqAddress synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", false, true);
  ASSERT_EQ(c.follower.scan(false).connected, 1);
  c.seq.remove(synth);
  auto r = c.follower.scan(true);
  EXPECT_EQ(r.connected, 0);
  EXPECT_FALSE(r.new_output);
  // USB devices come back with another client number: the same port by its name.
  synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", false, true, 140);
  r = c.follower.scan(false);
  EXPECT_EQ(r.connected, 1);
  EXPECT_TRUE(r.new_output) << "a synth that was unplugged mid-note gets a panic";
  EXPECT_TRUE(c.seq.subscribed(c.out, synth));
  // A keyboard coming back is connected too, but asks for no panic (nothing of ours sounds there).
  const SeqAddress keys = c.seq.add("Arturia KeyStep 32", "Keystep MIDI 1", true, false);
  r = c.follower.scan(false);
  EXPECT_EQ(r.connected, 1);
  EXPECT_FALSE(r.new_output);
  EXPECT_TRUE(c.seq.subscribed(keys, c.in));
}

TEST(AlsaPortFollower, APortThatLeftAndCameBackBetweenTwoScansIsConnectedAgain) {
  Clarad c;
  SeqAddress synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", false, true, 140);
  ASSERT_EQ(c.follower.scan(false).connected, 1);
  c.seq.remove(synth);
  synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", false, true, 140);  // same address, no subscription
  const auto r = c.follower.scan(true);  // the announcements said a port ended
  EXPECT_EQ(r.connected, 1);
  EXPECT_TRUE(c.seq.subscribed(c.out, synth));
}

TEST(AlsaPortFollower, AConnectionRemovedByHandStaysRemoved) {
  Clarad c;
  const SeqAddress synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", false, true);
  ASSERT_EQ(c.follower.scan(false).connected, 1);
  ASSERT_EQ(c.seq.unsubscribe(c.out, synth), "");  // aconnect -d
  EXPECT_EQ(c.follower.scan(false).connected, 0);
  EXPECT_FALSE(c.seq.subscribed(c.out, synth));
}

TEST(AlsaPortFollower, ClaradsOwnPortsAreNeverConnectedToEachOther) {
  FakeSequencer seq;
  const SeqAddress in = seq.add("clara", "Clara In", false, true);
  const SeqAddress out = seq.add("clara", "Clara Out", true, false);
  const PortPatterns everything("connect_input", {"."});
  const std::vector<PortPatterns> outputs{PortPatterns{"outputs[0].connect", {"."}}};
  AlsaPortFollower follower(seq, "clara", "Clara In", everything, {"Clara Out"}, outputs);
  EXPECT_EQ(follower.scan(false).connected, 0);
  EXPECT_FALSE(seq.subscribed(out, in));
}

TEST(AlsaPortFollower, ARefusedConnectionIsTriedAgain) {
  Clarad c;
  c.seq.refuse = true;
  const SeqAddress synth = c.seq.add("MicroFreak", "MicroFreak MIDI 1", false, true);
  auto r = c.follower.scan(false);
  EXPECT_EQ(r.connected, 0);
  EXPECT_TRUE(c.follower.retry_pending());
  c.seq.refuse = false;
  r = c.follower.scan(false);
  EXPECT_EQ(r.connected, 1);
  EXPECT_FALSE(c.follower.retry_pending());
  EXPECT_TRUE(c.seq.subscribed(c.out, synth));
}

TEST(AlsaPortFollower, OnlySourcesFeedTheInputAndOnlyDestinationsTakeTheOutput) {
  Clarad c;
  // A keyboard's port that only takes MIDI (its LEDs) is no source; a synth's that only gives
  // (its knobs) is no destination.
  const SeqAddress keys_leds = c.seq.add("Arturia KeyStep 32", "Keystep LEDs", false, true);
  const SeqAddress synth_knobs = c.seq.add("MicroFreak", "MicroFreak knobs", true, false);
  EXPECT_EQ(c.follower.scan(false).connected, 0);
  EXPECT_FALSE(c.seq.subscribed(keys_leds, c.in));
  EXPECT_FALSE(c.seq.subscribed(c.out, synth_knobs));
}

TEST(AlsaPortFollower, WaitsForClaradsOwnPortsBeforeConnecting) {
  FakeSequencer seq;
  const PortPatterns input("connect_input", {"Keystep"});
  const std::vector<PortPatterns> outputs{PortPatterns{"outputs[0].connect", {}}};
  AlsaPortFollower follower(seq, "clara", "Clara In", input, {"Clara Out"}, outputs);
  const SeqAddress keys = seq.add("Arturia KeyStep 32", "Keystep MIDI 1", true, false);
  EXPECT_TRUE(follower.scan(false).own_ports_missing);
  const SeqAddress in = seq.add("clara", "Clara In", false, true);
  const auto r = follower.scan(false);
  EXPECT_FALSE(r.own_ports_missing);
  EXPECT_EQ(r.connected, 1);
  EXPECT_TRUE(seq.subscribed(keys, in));
}

// A reload with new patterns: what the old ones connected and the new ones do not match goes (a
// synth it leaves after a panic, which the backend sends), what they match is connected, and a
// connection made by hand stays.
TEST(AlsaPortFollower, NewPatternsSayWhichConnectionsGoAndConnectTheRest) {
  FakeSequencer seq;
  const SeqAddress in = seq.add("clara", "Clara In", false, true);
  const SeqAddress out = seq.add("clara", "Clara Out", true, false);
  PortPatterns input("connect_input", {"Keystep"});
  std::vector<PortPatterns> outputs{PortPatterns{"outputs[0].connect", {"MicroFreak"}}};
  AlsaPortFollower follower(seq, "clara", "Clara In", input, {"Clara Out"}, outputs);
  const SeqAddress keys = seq.add("Arturia KeyStep 32", "Keystep MIDI 1", true, false);
  const SeqAddress freak = seq.add("MicroFreak", "MicroFreak MIDI 1", false, true);
  const SeqAddress minilogue = seq.add("minilogue xd", "minilogue xd MIDI 1", false, true);
  const SeqAddress fluid = seq.add("FLUID Synth (1234)", "Synth input port (1234:0)", false, true);
  ASSERT_EQ(follower.scan(false).connected, 2);
  ASSERT_EQ(seq.subscribe(out, fluid), "");  // by hand: aconnect clara:1 FLUID

  const PortPatterns new_input("connect_input", {"Keystep"});
  const std::vector<PortPatterns> new_outputs{PortPatterns{"outputs[0].connect", {"minilogue"}}};
  const auto leave = follower.leaving(new_input, new_outputs);
  ASSERT_EQ(leave.size(), 1u) << "only the MicroFreak: the keyboard still matches, FLUID was connected by hand";
  EXPECT_EQ(leave[0].from, out);
  EXPECT_EQ(leave[0].to, freak);
  EXPECT_TRUE(leave[0].output);
  EXPECT_EQ(leave[0].to_name, "MicroFreak:MicroFreak MIDI 1 " + std::to_string(freak.client) + ":0");

  // What the backend does next: disconnect, replace the patterns in place, scan again.
  ASSERT_EQ(seq.unsubscribe(leave[0].from, leave[0].to), "");
  input = new_input;
  outputs = new_outputs;
  follower.forget_all();
  const auto r = follower.scan(false);
  EXPECT_EQ(r.connected, 1) << "the minilogue; the keyboard is connected already";
  EXPECT_TRUE(r.new_output);
  EXPECT_TRUE(seq.subscribed(out, minilogue));
  EXPECT_FALSE(seq.subscribed(out, freak));
  EXPECT_TRUE(seq.subscribed(keys, in));
  EXPECT_TRUE(seq.subscribed(out, fluid)) << "made by hand: stays";
}

}  // namespace
}  // namespace clara::daemon
