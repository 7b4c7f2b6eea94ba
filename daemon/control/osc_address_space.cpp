#include "daemon/control/osc_address_space.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <regex>
#include <string_view>
#include <variant>

#include "core/duet/meter.hpp"

namespace clara::daemon {

namespace {

using osc::Message;
using osc::Value;

const char* kind_of(const Value& v) {
  switch (v.index()) {
    case 0: return "an int32";
    case 1: return "an int64";
    case 2: return "a float";
    case 3: return "a double";
    case 4: return "a string";
    case 5: return "a blob";
    case 6: return "a boolean";
    case 7: return "nil";
    case 8: return "an impulse";
    default: return "a timetag";
  }
}

// Why an argument list does not fit, or nullopt. Pure Data and most tablet apps send every
// number as a float, so numeric tags are interchangeable here; their values are checked below.
std::optional<std::string> check_types(const Message& m, std::string_view types) {
  if (m.arguments.size() != types.size()) {
    char why[160];
    std::snprintf(why, sizeof why, "expected %zu argument%s (%s), got %zu", types.size(),
                  types.size() == 1 ? "" : "s", types.empty() ? "none" : std::string(types).c_str(),
                  m.arguments.size());
    return std::string(why);
  }
  for (std::size_t i = 0; i < types.size(); ++i) {
    const Value& v = m.arguments[i];
    const bool number = std::holds_alternative<std::int32_t>(v) || std::holds_alternative<std::int64_t>(v) ||
                        std::holds_alternative<float>(v) || std::holds_alternative<double>(v);
    const bool ok = (types[i] == 's') ? std::holds_alternative<std::string>(v) : number;
    if (!ok)
      return "argument " + std::to_string(i + 1) + " must be " + (types[i] == 's' ? "a string" : "a number") +
             ", not " + kind_of(v);
  }
  return std::nullopt;
}

double number(const Value& v) {
  if (const auto* i = std::get_if<std::int32_t>(&v)) return *i;
  if (const auto* h = std::get_if<std::int64_t>(&v)) return static_cast<double>(*h);
  // A float32 carries about 7 significant digits: 0.8 from a tablet arrives as 0.800000011920929.
  // The value the user meant is the shortest decimal that float stands for.
  if (const auto* f = std::get_if<float>(&v)) {
    char text[32];
    std::snprintf(text, sizeof text, "%.7g", static_cast<double>(*f));
    return std::strtod(text, nullptr);
  }
  return std::get<double>(v);
}

std::string format(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

// A finite number in [lo, hi] (integral when `integer`), or why not.
std::optional<std::string> in_range(const char* name, double x, double lo, double hi, bool integer = false,
                                    bool lo_open = false) {
  if (!std::isfinite(x)) return std::string(name) + " must be a finite number, not " + format(x);
  if (integer && x != std::floor(x)) return std::string(name) + " must be a whole number, not " + format(x);
  if (x < lo || x > hi || (lo_open && x == lo))
    return std::string(name) + " " + format(x) + " is outside " + (integer ? "" : (lo_open ? "(" : "[")) + format(lo) +
           (integer ? ".." : ", ") + format(hi) + (integer ? "" : "]");
  return std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A part by its prefix ("vn") or its name ("violin", any case); empty when neither.
std::string find_instrument(const ControlState& s, const std::string& given) {
  for (std::size_t i = 0; i < s.instruments.size(); ++i)
    if (s.instruments[i] == given || (i < s.instrument_names.size() && lower(s.instrument_names[i]) == lower(given)))
      return s.instruments[i];
  return {};
}

std::string known_instruments(const ControlState& s) {
  std::string out;
  for (std::size_t i = 0; i < s.instruments.size(); ++i)
    out += (out.empty() ? "" : ", ") + s.instruments[i] +
           (i < s.instrument_names.size() && !s.instrument_names[i].empty() ? " (" + s.instrument_names[i] + ")" : "");
  return out;
}

using Edit = std::function<void(ControlState&)>;

struct Handler {
  OscAddress info;
  // Checks the (already type-checked) arguments and returns the edit, or sets `why`.
  std::function<OscOutcome(ControlHub&, const Message&, std::int64_t)> run;
};

OscOutcome reply(const Message& m, const std::optional<std::string>& why) {
  OscOutcome out;
  out.replies.push_back(why ? error_reply(m.address, *why) : ok_reply(m.address));
  return out;
}

// One reply carrying key, value pairs as its arguments, in order (/clara/status, /clara/metrics).
OscOutcome pairs_reply(const char* address, const KeyValues& pairs) {
  std::vector<Value> args;
  args.reserve(2 * pairs.size());
  for (const auto& [k, v] : pairs) {
    args.push_back(k);
    args.push_back(v);
  }
  OscOutcome out;
  out.replies.push_back(osc::make_message(address, std::move(args)));
  return out;
}

// A handler for a setting: `make` turns the arguments into an edit or a reason.
Handler setting(OscAddress info,
                std::function<std::optional<std::string>(const ControlState&, const Message&, Edit&)> make) {
  return {info, [make](ControlHub& hub, const Message& m, std::int64_t due) {
            Edit edit;
            if (auto why = make(hub.state(), m, edit)) return reply(m, why);
            return reply(m, hub.edit(edit, due));
          }};
}

Handler action(OscAddress info, ControlCommand command) {
  return {info, [command](ControlHub& hub, const Message& m, std::int64_t due) { return reply(m, hub.act(command, due)); }};
}

// A sampler parameter: range-checked here, the whole sampler validated again by the engine.
Handler sampler_number(const char* address, const char* name, double lo, double hi, bool integer, bool lo_open,
                       std::function<void(SamplerConfig&, double)> set, const char* help) {
  return setting({address, integer ? "i" : "f", help},
                 [=](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                   const double x = number(m.arguments[0]);
                   if (auto why = in_range(name, x, lo, hi, integer, lo_open)) return why;
                   edit = [set, x](ControlState& s) { set(s.sampler, x); };
                   return std::nullopt;
                 });
}

std::vector<Handler> make_handlers() {
  std::vector<Handler> h;
  // Models.
  h.push_back({{"/clara/model", "s", "switch to the model of that name (from the models folders) on the next bar line"},
               [](ControlHub& hub, const Message& m, std::int64_t due) {
                 const std::string& name = std::get<std::string>(m.arguments[0]);
                 static const std::regex valid("^[A-Za-z0-9_-]{1,64}$");
                 if (!std::regex_match(name, valid))
                   return reply(m, "model name '" + name.substr(0, 80) +
                                       "' is not a name (1-64 letters, digits, '-' or '_'; never a path)");
                 if (!hub.hooks().select_model) return reply(m, std::string("switching models is not available here"));
                 return reply(m, hub.hooks().select_model(name, due));
               }});
  h.push_back({{"/clara/models", "", "list the models: groups of name, encoding, instruments, held-out NLL (-1 unknown)"},
               [](ControlHub& hub, const Message& m, std::int64_t) {
                 OscOutcome out;
                 Message r{"/clara/models", "", {}};
                 if (hub.hooks().models)
                   for (const auto& info : hub.hooks().models()) {
                     r.types += "sssf";
                     r.arguments.insert(r.arguments.end(), {info.name, info.encoding, info.instruments,
                                                            static_cast<float>(info.held_out_nll)});
                   }
                 (void)m;
                 out.replies.push_back(std::move(r));
                 return out;
               }});
  // Sampler.
  h.push_back(sampler_number("/clara/temperature", "temperature", 0.05, 5.0, false, false,
                             [](SamplerConfig& s, double x) { s.temperature = x; }, "sampling temperature, [0.05, 5]"));
  h.push_back(sampler_number("/clara/top_k", "top_k", 1, 1000000, true, false,
                             [](SamplerConfig& s, double x) { s.top_k = static_cast<int>(x); },
                             "tokens the top-k and seed policies draw from, >= 1"));
  h.push_back(sampler_number("/clara/top_p", "top_p", 0.0, 1.0, false, true,
                             [](SamplerConfig& s, double x) { s.top_p = x; }, "nucleus of the top-p policy, (0, 1]"));
  h.push_back(sampler_number("/clara/random_freq", "random_freq", 0.0, 1.0, false, false,
                             [](SamplerConfig& s, double x) { s.random_freq = x; },
                             "how often the seed policy draws instead of taking the best, [0, 1]"));
  h.push_back(sampler_number("/clara/key_keeping", "key_keeping", 0.0, SamplerConfig::kMaxKeyKeeping, false, false,
                             [](SamplerConfig& s, double x) { s.key_keeping = x; },
                             "how strongly Clara's notes keep the key of the human's recent notes, [0, 16] (0 = off)"));
  h.push_back(sampler_number("/clara/seed", "seed", 0, 9007199254740992.0, true, false,
                             [](SamplerConfig& s, double x) { s.seed = static_cast<std::uint64_t>(x); },
                             "sampling seed (the random stream restarts from it), 0..2^53"));
  h.push_back(setting({"/clara/policy", "s", "sampling policy: seed, temperature, top-k or top-p"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const std::string& name = std::get<std::string>(m.arguments[0]);
                        const auto policy = parse_sampling_policy(name);
                        if (!policy) return "policy '" + name + "' is not seed, temperature, top-k or top-p";
                        edit = [p = *policy](ControlState& s) { s.sampler.policy = p; };
                        return std::nullopt;
                      }));
  // Duet.
  h.push_back(setting({"/clara/mode", "s", "answer, accompany, solo or listen (with a future timetag: on the bar line)"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const std::string& name = std::get<std::string>(m.arguments[0]);
                        DuetMode mode;
                        try {
                          mode = parse_duet_mode(name);
                        } catch (const std::invalid_argument&) {
                          return "mode '" + name + "' is not answer, accompany, solo or listen";
                        }
                        edit = [mode](ControlState& s) { s.mode = mode; };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/tempo", "f", "grid tempo in bpm, [20, 400]; committed notes keep their times (sync link: proposed to the session)"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const double bpm = number(m.arguments[0]);
                        if (auto why = in_range("tempo", bpm, kMinBpm, kMaxBpm)) return why;
                        edit = [bpm](ControlState& s) { s.bpm = bpm; };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/sync", "s", "tempo source: internal, midi-clock, follow or link; on the next bar line"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const std::string& name = std::get<std::string>(m.arguments[0]);
                        if (auto why = tempo_source_refusal(name)) return why;
                        edit = [name](ControlState& s) { s.sync = name; };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/meter", "ii", "metre: beats and note value (4 4, 3 4, 6 8); a bar is a whole number of quarters"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const double num = number(m.arguments[0]), den = number(m.arguments[1]);
                        if (auto why = in_range("meter numerator", num, 1, 64, true)) return why;
                        const auto meter = make_meter(num, den);
                        if (const auto* why = std::get_if<std::string>(&meter)) return *why;
                        edit = [chosen = std::get<Meter>(meter)](ControlState& s) {
                          s.meter_numerator = chosen.numerator;
                          s.meter_denominator = chosen.denominator;
                          s.phrasing.beats_per_bar = chosen.quarters_per_bar();
                        };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/answer_bars", "i", "bars Clara answers with at most, 1..64"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const double x = number(m.arguments[0]);
                        if (auto why = in_range("answer_bars", x, 1, DuetLimits::kMaxAnswerBars, true)) return why;
                        edit = [x](ControlState& s) { s.phrasing.answer_bars = static_cast<int>(x); };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/silence_beats", "f", "beats of silence that end the human's phrase, (0, 64]"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const double x = number(m.arguments[0]);
                        if (auto why = in_range("silence_beats", x, 0, DuetLimits::kMaxSilenceBeats, false, true))
                          return why;
                        edit = [x](ControlState& s) { s.phrasing.answer_silence_beats = x; };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/start", "", "play again in the mode /clara/stop left"},
                      [](const ControlState&, const Message&, Edit& edit) -> std::optional<std::string> {
                        edit = [](ControlState& s) { s.playing = true; };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/stop", "", "Clara's notes end at the frontier and she stays silent (she keeps listening)"},
                      [](const ControlState&, const Message&, Edit& edit) -> std::optional<std::string> {
                        edit = [](ControlState& s) { s.playing = false; };
                        return std::nullopt;
                      }));
  h.push_back(action({"/clara/panic", "", "end every sounding note now (note-offs, then CC64 0, CC123, CC120)"}, Panic{}));
  h.push_back(action({"/clara/reset", "", "clear the context: Clara forgets the session so far"}, ResetContext{}));
  // Chamber and routing.
  h.push_back(setting({"/clara/instrument", "ss", "who plays what: human|clara, then a part prefix or name (violin)"},
                      [](const ControlState& st, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const std::string& who = std::get<std::string>(m.arguments[0]);
                        const std::string& what = std::get<std::string>(m.arguments[1]);
                        if (who != "human" && who != "clara") return "'" + who + "' is not human or clara";
                        const std::string prefix = find_instrument(st, what);
                        if (prefix.empty())
                          return "instrument '" + what + "' is not in the model's part table (" + known_instruments(st) + ")";
                        edit = [who, prefix](ControlState& s) {
                          (who == "human" ? s.human_instrument : s.clara_instrument) = prefix;
                        };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/route", "sii", "an instrument's MIDI channel 1..16 and program 0..127 (-1: none)"},
                      [](const ControlState& st, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const std::string prefix = find_instrument(st, std::get<std::string>(m.arguments[0]));
                        if (prefix.empty())
                          return "instrument '" + std::get<std::string>(m.arguments[0]) +
                                 "' is not in the model's part table (" + known_instruments(st) + ")";
                        const double channel = number(m.arguments[1]), program = number(m.arguments[2]);
                        if (auto why = in_range("channel", channel, 1, 16, true)) return why;
                        if (auto why = in_range("program", program, -1, 127, true)) return why;
                        edit = [prefix, channel, program](ControlState& s) {
                          InstrumentRoute* r = nullptr;
                          for (auto& x : s.routes)
                            if (x.instrument == prefix) r = &x;
                          if (!r) {
                            s.routes.push_back(s.routes.empty() ? InstrumentRoute{} : s.routes.front());
                            r = &s.routes.back();
                            r->instrument = prefix;
                          }
                          r->channel = static_cast<int>(channel) - 1;
                          r->program = static_cast<int>(program);
                        };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/metronome", "i", "the metronome click on Clara's output (channel 10, every beat): 1 on, 0 off"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const double x = number(m.arguments[0]);
                        if (auto why = in_range("metronome", x, 0, 1, true)) return why;
                        edit = [x](ControlState& s) { s.metronome = x != 0; };
                        return std::nullopt;
                      }));
  h.push_back(setting({"/clara/velocity", "i", "Clara's fixed velocity 1..127, or 0: follow the human"},
                      [](const ControlState&, const Message& m, Edit& edit) -> std::optional<std::string> {
                        const double x = number(m.arguments[0]);
                        if (auto why = in_range("velocity", x, 0, 127, true)) return why;
                        edit = [x](ControlState& s) { s.velocity = static_cast<int>(x); };
                        return std::nullopt;
                      }));
  // MIDI CC learning.
  h.push_back({{"/clara/learn", "s", "bind the next controller moved on the input to this control (temperature, mode, ...)"},
               [](ControlHub& hub, const Message& m, std::int64_t) {
                 if (!hub.hooks().learn) return reply(m, std::string("MIDI CC learning is not available here"));
                 return reply(m, hub.hooks().learn(std::get<std::string>(m.arguments[0])));
               }});
  // State.
  h.push_back({{"/clara/get", "s", "one setting: replies /clara/value <key> <value>"},
               [](ControlHub& hub, const Message& m, std::int64_t) {
                 const std::string& key = std::get<std::string>(m.arguments[0]);
                 const auto value = state_value(hub.state(), key);
                 if (!value) {
                   std::string keys;
                   for (const auto& [k, v] : status_values(hub.state())) keys += (keys.empty() ? "" : ", ") + k;
                   return reply(m, "no setting '" + key.substr(0, 64) + "' (" + keys + ")");
                 }
                 OscOutcome out;
                 out.replies.push_back(value_message(key, *value));
                 return out;
               }});
  h.push_back({{"/clara/status", "", "every setting as key, value pairs in one reply"},
               [](ControlHub& hub, const Message&, std::int64_t) {
                 return pairs_reply("/clara/status", status_values(hub.state()));
               }});
  h.push_back({{"/clara/metrics", "", "live figures as key, value pairs: inference, reaction, late, dropped, ..."},
               [](ControlHub& hub, const Message&, std::int64_t) {
                 return pairs_reply("/clara/metrics", hub.hooks().metrics ? hub.hooks().metrics() : KeyValues{});
               }});
  h.push_back({{"/clara/ranking", "", "solo ranking's counters: phrases ranked, fallbacks, the last phrase's P(human)"},
               [](ControlHub& hub, const Message&, std::int64_t) {
                 return pairs_reply("/clara/ranking", hub.hooks().ranking ? hub.hooks().ranking() : KeyValues{});
               }});
  h.push_back({{"/clara/subscribe", "", "push every change as /clara/value <key> <value> (UDP: for 60 s, renew; "
                                       "an int argument: to that port of the sender's address)"},
               [](ControlHub&, const Message& m, std::int64_t) {
                 OscOutcome out = reply(m, std::nullopt);
                 out.subscription = OscOutcome::Subscription::subscribe;
                 return out;
               }});
  h.push_back({{"/clara/unsubscribe", "", "stop the pushes"}, [](ControlHub&, const Message& m, std::int64_t) {
                 OscOutcome out = reply(m, std::nullopt);
                 out.subscription = OscOutcome::Subscription::unsubscribe;
                 return out;
               }});
  h.push_back({{"/clara/list", "", "every address with its argument types, as address, types pairs"},
               [](ControlHub&, const Message&, std::int64_t) {
                 std::vector<Value> args;
                 for (const auto& a : osc_addresses()) {
                   args.push_back(std::string(a.address));
                   args.push_back(std::string(a.types));
                 }
                 OscOutcome out;
                 out.replies.push_back(osc::make_message("/clara/list", std::move(args)));
                 return out;
               }});
  return h;
}

const std::vector<Handler>& handlers() {
  static const std::vector<Handler> table = make_handlers();
  return table;
}

}  // namespace

const std::vector<OscAddress>& osc_addresses() {
  static const std::vector<OscAddress> table = [] {
    std::vector<OscAddress> t;
    for (const auto& h : handlers()) t.push_back(h.info);
    // Answered by the server before the address space: the token check.
    t.push_back({"/clara/auth", "s", "the control token (TCP: once per connection; UDP: first in each bundle)"});
    return t;
  }();
  return table;
}

OscOutcome OscAddressSpace::handle(const osc::Message& m, std::int64_t due_ns) {
  if ((m.address == "/clara/subscribe" || m.address == "/clara/unsubscribe") && m.arguments.size() == 1) {
    if (auto why = check_types(m, "i")) return reply(m, why);
    const double port = number(m.arguments[0]);
    if (auto why = in_range("port", port, 1, 65535, true)) return reply(m, why);
    OscOutcome out = reply(m, std::nullopt);
    out.subscription =
        m.address == "/clara/subscribe" ? OscOutcome::Subscription::subscribe : OscOutcome::Subscription::unsubscribe;
    out.push_port = static_cast<int>(port);
    return out;
  }
  for (const auto& h : handlers()) {
    if (m.address != h.info.address) continue;
    if (auto why = check_types(m, h.info.types)) return reply(m, why);
    return h.run(hub_, m, due_ns);
  }
  OscOutcome out;
  out.replies.push_back(error_reply(m.address.substr(0, 128), "no such address (send /clara/list for the address space)"));
  return out;
}

osc::Message ok_reply(const std::string& address) { return osc::make_message("/clara/ok", {address}); }

osc::Message error_reply(const std::string& address, const std::string& reason) {
  return osc::make_message("/clara/error", {address, reason});
}

osc::Message value_message(const std::string& key, const osc::Value& value) {
  return osc::make_message("/clara/value", {key, value});
}

}  // namespace clara::daemon
