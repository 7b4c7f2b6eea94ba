#include "tools/ctl/ctl_commands.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <limits>
#include <ostream>

#include "tools/ctl/ctl_request.hpp"
#include "tools/ctl/reply_text.hpp"

namespace clara::ctl {
namespace {

constexpr std::size_t kMany = std::numeric_limits<std::size_t>::max();

// A request that clarad answered; an /clara/error reply becomes Refused.
osc::Message ask(OscClient& client, const osc::Message& request) {
  auto reply = client.request(request, [&](const osc::Message& m) { return answers(request, m); });
  if (reply.address == "/clara/error" && request.address != "/clara/error") throw Refused(error_reason(reply));
  return reply;
}

int watch(OscClient& client, const CtlOptions& options, std::ostream& out, std::ostream& err) {
  using Clock = OscClient::Clock;
  client.stop_on_signals();  // before subscribing: from then on a signal must not kill us unsubscribed
  const auto subscribe = osc::make_message("/clara/subscribe", {});
  ask(client, subscribe);
  err << "clara ctl: watching " << describe(client.target()) << " (Ctrl-C to stop)\n" << std::flush;
  const auto start = Clock::now();
  const bool renew = client.target().transport == Transport::udp;  // a TCP subscription lasts as its connection
  auto next_renewal = start + options.renew_every;
  while (!client.stopped()) {
    const auto deadline = renew ? next_renewal : Clock::now() + std::chrono::hours(24);
    auto message = client.receive(deadline);
    if (message && message->address == "/clara/value") {
      const std::chrono::duration<double> since = Clock::now() - start;
      out << watch_line(since.count(), *message) << std::flush;
    }
    if (renew && Clock::now() >= next_renewal) {
      client.send(subscribe);  // its /clara/ok arrives like any other message and is skipped
      next_renewal += options.renew_every;
    }
  }
  try {
    ask(client, osc::make_message("/clara/unsubscribe", {}));
  } catch (const std::exception& e) {
    // The subscription lapses by itself (UDP: 60 s; TCP: with the connection).
    err << "clara ctl: unsubscribing: " << e.what() << "\n";
  }
  return kCtlOk;
}

// /clara/model answers when the swap is accepted; the outcome (the model playing from a bar
// line, or why it was refused) shows in the status key model_swap, asked for until it is known.
// A clarad without that key (no hot swaps) gave the outcome in its reply.
int switch_model(OscClient& client, const std::string& name, std::ostream& out) {
  ask(client, osc::make_message("/clara/model", {name}));
  const auto get = [&](const std::string& key) -> std::optional<std::string> {
    const auto request = osc::make_message("/clara/get", {key});
    const auto reply = client.request(request, [&](const osc::Message& m) { return answers(request, m); });
    if (reply.address != "/clara/value") return std::nullopt;
    if (auto v = find_value(reply, key))
      if (const auto* text = std::get_if<std::string>(&*v)) return *text;
    return std::nullopt;
  };
  const auto deadline = OscClient::Clock::now() + std::chrono::seconds(120);
  while (OscClient::Clock::now() < deadline) {
    const auto swap = get("model_swap");
    const std::string refused = "refused " + name + ": ";
    if (swap && swap->starts_with(refused)) throw Refused(swap->substr(refused.size()));
    if (!swap || (*swap != "loading " + name && *swap != "waiting " + name)) {  // playing it (or it already was)
      out << "playing " << get("model").value_or(name) << "\n";
      return kCtlOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw Refused("no outcome for the switch to " + name + " within 120 s (model_swap still loading or waiting)");
}

int run_words(const CtlOptions& options, const std::string& name, const std::vector<std::string>& args,
              std::ostream& out, std::ostream& err) {
  // Everything that can fail without clarad is checked before connecting.
  std::optional<osc::Message> raw;
  if (name == "send") raw = make_raw(args[0], args.size() > 1 ? args[1] : "", {args.begin() + std::min<std::ptrdiff_t>(2, static_cast<std::ptrdiff_t>(args.size())), args.end()});

  OscClient client(options.target);
  if (name == "status" || name == "metrics") {
    out << key_value_lines(ask(client, osc::make_message("/clara/" + name, {})));
  } else if (name == "get") {
    out << values_text(ask(client, osc::make_message("/clara/get", {args[0]})), 1) << "\n";
  } else if (name == "set") {
    const auto known = parse_list(ask(client, osc::make_message("/clara/list", {})));
    ask(client, make_set(args[0], {args.begin() + 1, args.end()}, known));
  } else if (name == "models") {
    const auto models = ask(client, osc::make_message("/clara/models", {}));
    std::optional<std::string> playing;
    if (auto v = find_value(ask(client, osc::make_message("/clara/status", {})), "model"))
      if (const auto* s = std::get_if<std::string>(&*v)) playing = *s;
    out << models_table(models, playing);
  } else if (name == "model") {
    return switch_model(client, args[0], out);
  } else if (name == "mode") {
    ask(client, osc::make_message("/clara/" + name, {args[0]}));
  } else if (name == "panic" || name == "start" || name == "stop" || name == "reset") {
    ask(client, osc::make_message("/clara/" + name, {}));
  } else if (name == "list") {
    out << list_lines(ask(client, osc::make_message("/clara/list", {})));
  } else if (name == "send") {
    const auto reply = client.request(*raw, [&](const osc::Message& m) { return answers(*raw, m); });
    out << osc::to_text(reply) << "\n";
    if (reply.address == "/clara/error") throw Refused(error_reason(reply));
  } else if (name == "watch") {
    return watch(client, options, out, err);
  }
  return kCtlOk;
}

}  // namespace

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table{
      {"status", "", 0, 0, "what clarad is doing: mode, model, tempo, settings, ports"},
      {"get", "KEY", 1, 1, "one setting's value"},
      {"set", "KEY VALUE...", 2, kMany, "change a setting: set temperature 0.8, set meter 3 4"},
      {"models", "", 0, 0, "the models clarad can play (* = playing now)"},
      {"model", "NAME", 1, 1, "switch to another model"},
      {"mode", "MODE", 1, 1, "switch the duet mode"},
      {"panic", "", 0, 0, "all notes off, now"},
      {"start", "", 0, 0, "start playing"},
      {"stop", "", 0, 0, "stop playing"},
      {"reset", "", 0, 0, "forget the duet so far and start afresh"},
      {"metrics", "", 0, 0, "timing and generation counters"},
      {"list", "", 0, 0, "every address clarad answers, with its type tags"},
      {"send", "ADDRESS [TYPETAGS ARG...]", 1, kMany, "a raw OSC message, as oscsend: send /clara/tempo f 96"},
      {"watch", "", 0, 0, "print every change as it happens, until Ctrl-C"},
  };
  return table;
}

std::string subcommands_help() {
  std::size_t width = 0;
  for (const auto& s : subcommands()) width = std::max(width, std::string(s.name).size() + 1 + std::string(s.arguments).size());
  std::string out;
  for (const auto& s : subcommands()) {
    std::string head = std::string(s.name) + (*s.arguments ? " " : "") + s.arguments;
    out += "  " + head + std::string(width + 2 - head.size(), ' ') + s.summary + "\n";
  }
  return out;
}

int run_ctl(const CtlOptions& options, const std::vector<std::string>& words, std::ostream& out, std::ostream& err) {
  if (words.empty()) throw RequestError("no command given; one of: " + [] {
    std::string names;
    for (const auto& s : subcommands()) names += (names.empty() ? "" : ", ") + std::string(s.name);
    return names;
  }());
  const auto sub = std::find_if(subcommands().begin(), subcommands().end(),
                                [&](const Subcommand& s) { return words[0] == s.name; });
  if (sub == subcommands().end()) throw RequestError("unknown command '" + words[0] + "'; see --help for the list");
  const std::vector<std::string> args(words.begin() + 1, words.end());
  if (args.size() < sub->min_words || args.size() > sub->max_words)
    throw RequestError(std::string(sub->name) + " takes " +
                       (*sub->arguments ? std::string(sub->arguments) : std::string("no arguments")) + ", got " +
                       std::to_string(args.size()) + " argument" + (args.size() == 1 ? "" : "s"));
  try {
    return run_words(options, sub->name, args, out, err);
  } catch (const Unavailable& e) {
    err << "clara ctl: " << e.what() << "\n";
    return kCtlUnavailable;
  } catch (const Refused& e) {
    err << "clara ctl: refused: " << (std::string(e.what()).empty() ? "(no reason given)" : e.what()) << "\n";
    return kCtlRefused;
  }
}

}  // namespace clara::ctl
