#pragma once
// What `clara ctl` sends: words from the command line turned into OSC messages,
// typed by clarad's own /clara/list (so `set meter 3 4` becomes /clara/meter ii 3 4
// without the tool knowing any setting), and which reply answers which request.
// Pure functions: no sockets, tested on their own.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/osc/osc_packet.hpp"

namespace clara::ctl {

// A command line that cannot become a request; nothing was sent. Exit 64.
struct RequestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One entry of /clara/list: "/clara/meter" takes "ii".
struct AddressTypes {
  std::string address;
  std::string types;
};

// The /clara/list reply's alternating s:address s:typetags. Throws RequestError when it
// is not that shape (naming the argument).
std::vector<AddressTypes> parse_list(const osc::Message& reply);

// One command-line word as an OSC argument of type `tag`, for `send` (as oscsend does):
// i h (integers, range-checked), f d (numbers), s S (as is), c (one character or its
// code), m r (0x-prefixed or decimal uint32), b (hex bytes), t (NTP timetag). T F N I take
// no word and are not accepted here. Throws RequestError naming `what` and the word.
osc::Value parse_argument(char tag, const std::string& word, const std::string& what);

// `set KEY VALUE...`: the message for /clara/KEY with the values converted by the tags
// /clara/list gives for it. A T or F tag takes a boolean word (true/false, on/off, yes/no,
// 1/0) and becomes the tag the value needs. Throws RequestError for an unknown key (listing
// the settable ones), a wrong number of values, or a value that does not parse.
osc::Message make_set(const std::string& key, const std::vector<std::string>& values,
                      const std::vector<AddressTypes>& known);

// `send ADDRESS [TYPETAGS ARGS...]`, like oscsend: T F N I take no word, the others one.
osc::Message make_raw(const std::string& address, const std::string& types, const std::vector<std::string>& words);

// Whether `reply` is clarad's answer to `request`: /clara/ok or /clara/error naming its
// address, a reply on the same address (/clara/status, /clara/list ...), or for
// /clara/get KEY the /clara/value of KEY.
bool answers(const osc::Message& request, const osc::Message& reply);

// For /clara/error s:address s:reason: the reason ("" when the reply has none).
std::string error_reason(const osc::Message& reply);

}  // namespace clara::ctl
