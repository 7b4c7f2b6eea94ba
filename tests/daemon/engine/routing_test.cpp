#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "daemon/engine/routing.hpp"

using namespace clara;
using namespace clara::daemon;

TEST(Route, ChannelPortRangeAndCurve) {
  InstrumentRoute r;
  r.output = 1;
  r.channel = 9;
  r.note_low = 48;
  r.note_high = 72;
  r.velocity_curve = 2.0;
  TimedMessage on{5, ShortMessage{0x90, 30, 127}, 0};
  TimedMessage out = apply_route(r, on);
  EXPECT_EQ(out.port, 1);
  EXPECT_EQ(out.msg.status, 0x99);
  EXPECT_EQ(out.msg.data1, 54);  // 30 folded up by octaves
  EXPECT_EQ(out.msg.data2, 127);
  out = apply_route(r, TimedMessage{5, ShortMessage{0x90, 90, 64}, 0});
  EXPECT_EQ(out.msg.data1, 66);
  EXPECT_EQ(out.msg.data2, 32);  // 127 * (64/127)^2
  out = apply_route(r, TimedMessage{6, ShortMessage{0x80, 30, 0}, 0});
  EXPECT_EQ(out.msg.status, 0x89);
  EXPECT_EQ(out.msg.data1, 54);  // the note-off folds the same way as its note-on
}


namespace clara::daemon {
namespace {

TEST(Route, RouteForPicksTheInstrumentsRouteOrTheFirstOne) {
  InstrumentRoute piano, violin;
  piano.instrument = "p";
  piano.channel = 0;
  violin.instrument = "vn";
  violin.channel = 4;
  violin.program = 40;
  const std::vector<InstrumentRoute> routes{piano, violin};
  EXPECT_EQ(route_for(routes, "vn").channel, 4);
  EXPECT_EQ(route_for(routes, "vn").program, 40);
  EXPECT_EQ(route_for(routes, "p").channel, 0);
  const InstrumentRoute other = route_for(routes, "vc");
  EXPECT_EQ(other.channel, 0) << "an instrument without a route takes the first one";
  EXPECT_EQ(other.instrument, "vc") << "and is recorded under its own name";
}

}  // namespace
}  // namespace clara::daemon
