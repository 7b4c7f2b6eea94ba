#pragma once
// The subcommands of `clara ctl`: each turns its words into requests, waits for
// clarad's answers and prints them. The table here is also what --help lists.
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "tools/ctl/osc_client.hpp"

namespace clara::ctl {

// sysexits.h values, as the rest of `clara` uses them.
enum CtlExit : int { kCtlOk = 0, kCtlUsage = 64, kCtlRefused = 65, kCtlUnavailable = 69 };

struct CtlOptions {
  Target target;
  std::chrono::milliseconds renew_every{20'000};  // `watch` over UDP: clarad forgets a subscriber after 60 s
};

struct Subcommand {
  const char* name;
  const char* arguments;  // "KEY VALUE..." in the help
  std::size_t min_words;  // after the name
  std::size_t max_words;
  const char* summary;
};
const std::vector<Subcommand>& subcommands();

// The subcommand list as --help shows it, one aligned line each.
std::string subcommands_help();

// Runs `words` ("set", "temperature", "0.8"): replies to `out`, problems to `err` as
// "clara ctl: ...". Returns kCtlOk, kCtlRefused (an /clara/error reply) or kCtlUnavailable
// (no reply in time, nothing listening). Throws RequestError on words that do not make a
// request (unknown subcommand, wrong count, a value that does not parse): exit 64, and
// nothing was sent but, for `set`, the /clara/list it needs. `watch` runs until SIGINT or
// SIGTERM.
int run_ctl(const CtlOptions& options, const std::vector<std::string>& words, std::ostream& out, std::ostream& err);

}  // namespace clara::ctl
