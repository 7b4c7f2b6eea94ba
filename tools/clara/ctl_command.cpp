// clara ctl: steers a running clarad over OSC (docs/ctl.md). The words after the
// options are one subcommand of tools/ctl/ctl_commands; this file only maps the
// command line onto it.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "tools/clara/cli.hpp"
#include "tools/ctl/ctl_commands.hpp"
#include "tools/ctl/ctl_request.hpp"

namespace clara::cli {
namespace {

int run(const Args& args) {
  ctl::CtlOptions options;
  options.target.host = args.get_or("--host", options.target.host);
  if (options.target.host.empty()) throw UsageError("option --host: empty host");
  options.target.port = static_cast<std::uint16_t>(args.get_int("--port", options.target.port, 1, 65535));
  if (args.flag("--slip")) options.target.transport = ctl::Transport::slip;
  else if (args.flag("--tcp")) options.target.transport = ctl::Transport::tcp;
  const double timeout = args.get_double("--timeout", 1.0, 0.001, 3600.0);
  options.target.timeout = std::chrono::milliseconds(static_cast<long>(std::lround(timeout * 1000.0)));
  if (auto token = args.get("--token")) options.target.token = *token;
  else if (const char* env = std::getenv("CLARA_OSC_TOKEN"); env != nullptr && *env != '\0') options.target.token = env;
  try {
    return ctl::run_ctl(options, args.positional(), std::cout, std::cerr);
  } catch (const ctl::RequestError& e) {
    throw UsageError(e.what());
  }
}

OptionSpec options() {
  OptionSpec o;
  o.valued("--host", "HOST", "clarad's host: a name, an IPv4 or IPv6 address (default 127.0.0.1)")
      .valued("--port", "PORT", "clarad's OSC port (default 9000)")
      .flag("--tcp", "TCP with OSC 1.0 size-prefixed framing instead of UDP")
      .flag("--slip", "TCP with SLIP framing (OSC 1.1)")
      .valued("--timeout", "SECONDS", "how long to wait for each reply (default 1.0)")
      .valued("--token", "TOKEN", "clarad's control token (default: $CLARA_OSC_TOKEN); never printed")
      .positional("COMMAND", "a subcommand and its arguments (below); `--` before arguments that start with '-'", 1,
                  256);
  return o;
}

std::string description() {
  return "Commands:\n" + ctl::subcommands_help() +
         "\nKEY is the last part of a setting's address (temperature for /clara/temperature); `set`\n"
         "converts VALUEs with the type tags clarad's /clara/list gives. Exit codes here: 0 ok, 64 usage,\n"
         "65 refused by clarad (its reason on stderr), 69 no clarad answering (no reply within the\n"
         "timeout, connection refused). See docs/ctl.md.\n";
}

}  // namespace

extern const Command ctl_command{"ctl", "steer a running clarad over OSC (status, set, watch ...)", description(),
                                 options(), run};

}  // namespace clara::cli
