#pragma once
// A time signature as the duet grid can keep it: the grid counts quarter notes, so a bar must be
// a whole number of them (4/4, 3/4, 6/8 = 3 quarters, 12/8 = 6; not 5/8 or 7/16). One place says
// what is accepted and why not, for `clarad --meter`, OSC /clara/meter and `clara demo` (which
// takes the sample's own time signature).
#include <string>
#include <string_view>
#include <variant>

namespace clara {

struct Meter {
  int numerator = 4, denominator = 4;
  int quarters_per_bar() const { return numerator * 4 / denominator; }
  std::string text() const { return std::to_string(numerator) + "/" + std::to_string(denominator); }
};

// The meter, or why not (naming the values): numerator 1..64 and whole, denominator 1, 2, 4, 8 or 16, and
// a bar of 1..32 whole quarter notes. Doubles, since OSC numbers may come as floats.
std::variant<Meter, std::string> make_meter(double numerator, double denominator);
// "3/4" (spaces allowed around the slash); the error names the text.
std::variant<Meter, std::string> parse_meter(std::string_view text);

}  // namespace clara
