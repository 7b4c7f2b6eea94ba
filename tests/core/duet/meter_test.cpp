#include "core/duet/meter.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace clara {
namespace {

std::string error_of(const std::variant<Meter, std::string>& m) {
  const auto* e = std::get_if<std::string>(&m);
  return e ? *e : "";
}

TEST(Meter, ABarIsAWholeNumberOfQuarterNotes) {
  EXPECT_EQ(std::get<Meter>(make_meter(3, 4)).quarters_per_bar(), 3);
  EXPECT_EQ(std::get<Meter>(make_meter(6, 8)).quarters_per_bar(), 3);
  EXPECT_EQ(std::get<Meter>(make_meter(12, 8)).quarters_per_bar(), 6);
  EXPECT_EQ(std::get<Meter>(make_meter(2, 2)).quarters_per_bar(), 4);
  EXPECT_EQ(std::get<Meter>(make_meter(32, 4)).quarters_per_bar(), 32);
  EXPECT_EQ(std::get<Meter>(make_meter(6, 8)).text(), "6/8");
  EXPECT_EQ(error_of(make_meter(7, 8)), "meter 7/8 is not a whole number of quarter notes from 1 to 32 (3.5)");
  EXPECT_EQ(error_of(make_meter(33, 4)), "meter 33/4 is not a whole number of quarter notes from 1 to 32 (33)");
  EXPECT_EQ(error_of(make_meter(1, 8)), "meter 1/8 is not a whole number of quarter notes from 1 to 32 (0.5)");
  EXPECT_EQ(error_of(make_meter(4, 3)), "meter denominator 3 is not 1, 2, 4, 8 or 16");
  EXPECT_EQ(error_of(make_meter(0, 4)), "meter numerator 0 is outside 1..64");
  EXPECT_EQ(error_of(make_meter(2.5, 4)), "meter numerator 2.5 is not a whole number");
  EXPECT_NE(error_of(make_meter(std::nan(""), 4)), "");
}

TEST(Meter, ParsesNOverDAndNamesWhatItCannotRead) {
  EXPECT_EQ(std::get<Meter>(parse_meter("3/4")).numerator, 3);
  EXPECT_EQ(std::get<Meter>(parse_meter(" 6 / 8 ")).denominator, 8);
  EXPECT_EQ(error_of(parse_meter("3")), "meter '3': expected N/D, such as 3/4 or 6/8");
  EXPECT_EQ(error_of(parse_meter("3/")), "meter '3/': expected N/D, such as 3/4 or 6/8");
  EXPECT_EQ(error_of(parse_meter("a/4")), "meter 'a/4': expected N/D, such as 3/4 or 6/8");
  EXPECT_EQ(error_of(parse_meter("3/4/4")), "meter '3/4/4': expected N/D, such as 3/4 or 6/8");
  EXPECT_EQ(error_of(parse_meter("7/8")), "meter '7/8': meter 7/8 is not a whole number of quarter notes from 1 to 32 (3.5)");
}

}  // namespace
}  // namespace clara
