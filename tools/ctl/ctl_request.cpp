#include "tools/ctl/ctl_request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>

namespace clara::ctl {
namespace {

constexpr std::string_view kPrefix = "/clara/";

// The protocol's own addresses: /clara/list names them too, but they are not settings.
bool is_protocol(std::string_view address) {
  for (std::string_view a : {"get", "status", "metrics", "models", "list", "subscribe", "unsubscribe", "auth", "ok",
                             "error", "value"})
    if (address.substr(kPrefix.size()) == a) return true;
  return false;
}

// A whole word as a number of type T; from_chars does the parsing, we insist it took
// every character (and allow the leading '+' it does not).
template <typename T>
bool parse_number(std::string_view word, T& out, std::errc& err, int base = 10) {
  if (word.size() > 1 && word.front() == '+') word.remove_prefix(1);
  if (word.empty()) {
    err = std::errc::invalid_argument;
    return false;
  }
  std::from_chars_result r;
  if constexpr (std::is_floating_point_v<T>)
    r = std::from_chars(word.data(), word.data() + word.size(), out);
  else
    r = std::from_chars(word.data(), word.data() + word.size(), out, base);
  err = r.ec;
  if (r.ec == std::errc() && r.ptr != word.data() + word.size()) err = std::errc::invalid_argument;
  return err == std::errc();
}

template <typename T>
T integer(const std::string& word, const std::string& what, const char* type_name) {
  T x{};
  std::errc err{};
  if (parse_number(word, x, err)) return x;
  if (err == std::errc::result_out_of_range)
    throw RequestError(what + ": " + word + " is outside the range of " + type_name);
  throw RequestError(what + ": '" + word + "' is not an integer (" + type_name + ")");
}

std::uint32_t unsigned32(const std::string& word, const std::string& what) {
  std::uint32_t x = 0;
  std::errc err{};
  const bool hex = word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
  if (parse_number(std::string_view(word).substr(hex ? 2 : 0), x, err, hex ? 16 : 10)) return x;
  throw RequestError(what + ": '" + word + "' is not a 32-bit unsigned integer (decimal or 0x...)");
}

bool boolean(const std::string& word, const std::string& what) {
  std::string w = word;
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* t : {"true", "on", "yes", "1", "t"})
    if (w == t) return true;
  for (const char* f : {"false", "off", "no", "0", "f"})
    if (w == f) return false;
  throw RequestError(what + ": '" + word + "' is not a boolean (true/false, on/off, yes/no, 1/0)");
}

bool takes_no_word(char tag) { return tag == 'T' || tag == 'F' || tag == 'N' || tag == 'I'; }

const std::string* string_argument(const osc::Message& m, std::size_t i) {
  return i < m.arguments.size() ? std::get_if<std::string>(&m.arguments[i]) : nullptr;
}

}  // namespace

std::vector<AddressTypes> parse_list(const osc::Message& reply) {
  if (reply.arguments.size() % 2 != 0)
    throw RequestError("clarad's /clara/list reply has " + std::to_string(reply.arguments.size()) +
                       " arguments, not address/typetags pairs");
  std::vector<AddressTypes> out;
  for (std::size_t i = 0; i < reply.arguments.size(); i += 2) {
    const auto* address = string_argument(reply, i);
    const auto* types = string_argument(reply, i + 1);
    if (address == nullptr || types == nullptr)
      throw RequestError("clarad's /clara/list reply: argument " + std::to_string(i + (address ? 2 : 1)) +
                         " is not a string");
    out.push_back({*address, *types});
  }
  return out;
}

osc::Value parse_argument(char tag, const std::string& word, const std::string& what) {
  switch (tag) {
    case 'i': return integer<std::int32_t>(word, what, "int32");
    case 'h': return integer<std::int64_t>(word, what, "int64");
    case 'f':
    case 'd': {
      double x = 0;
      std::errc err{};
      if (!parse_number(word, x, err))
        throw RequestError(what + ": '" + word + "' is not a number (" + (tag == 'f' ? "float32" : "float64") + ")");
      if (tag == 'd') return x;
      if (std::abs(x) > std::numeric_limits<float>::max())
        throw RequestError(what + ": " + word + " is outside the range of float32");
      return static_cast<float>(x);
    }
    case 's':
    case 'S': return word;
    case 'c': {
      if (word.size() == 1) return static_cast<std::int32_t>(static_cast<unsigned char>(word[0]));
      return integer<std::int32_t>(word, what + " (a character, or its code)", "int32");
    }
    case 'm':
    case 'r': return static_cast<std::int32_t>(unsigned32(word, what));
    case 'b': {
      std::string_view hex = word;
      if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
      if (hex.size() % 2 != 0) throw RequestError(what + ": '" + word + "' is not hex bytes (an odd number of digits)");
      osc::Blob blob;
      for (std::size_t i = 0; i < hex.size(); i += 2) {
        std::uint8_t byte = 0;
        std::errc err{};
        if (!parse_number(hex.substr(i, 2), byte, err, 16) || hex[i] == '+')
          throw RequestError(what + ": '" + word + "' is not hex bytes (at character " + std::to_string(i + 1) + ")");
        blob.push_back(byte);
      }
      return blob;
    }
    case 't': {
      if (word == "now" || word == "immediately") return osc::TimeTag{osc::kImmediately};
      return osc::TimeTag{integer<std::uint64_t>(word, what + " (an NTP timetag, or 'now')", "uint64")};
    }
    default: break;
  }
  throw RequestError(what + ": type tag '" + std::string(1, tag) + "' is not one OSC 1.0 knows (i h f d s S c m r b t T F N I)");
}

osc::Message make_raw(const std::string& address, const std::string& types_in, const std::vector<std::string>& words) {
  if (address.empty() || address.front() != '/')
    throw RequestError("address '" + address + "' does not start with '/'");
  const std::string types = !types_in.empty() && types_in.front() == ',' ? types_in.substr(1) : types_in;
  const auto wanted = static_cast<std::size_t>(std::count_if(types.begin(), types.end(), [](char t) { return !takes_no_word(t); }));
  if (wanted != words.size())
    throw RequestError("type tags '" + types + "' take " + std::to_string(wanted) + " argument" +
                       (wanted == 1 ? "" : "s") + ", got " + std::to_string(words.size()));
  osc::Message m{address, types, {}};
  std::size_t next = 0;
  for (std::size_t i = 0; i < types.size(); ++i) {
    const char t = types[i];
    if (t == 'T') m.arguments.emplace_back(true);
    else if (t == 'F') m.arguments.emplace_back(false);
    else if (t == 'N') m.arguments.emplace_back(osc::Nil{});
    else if (t == 'I') m.arguments.emplace_back(osc::Impulse{});
    else {
      m.arguments.push_back(parse_argument(t, words[next], "argument " + std::to_string(next + 1) + " (" + std::string(1, t) + ")"));
      ++next;
    }
  }
  return m;
}

osc::Message make_set(const std::string& key, const std::vector<std::string>& values, const std::vector<AddressTypes>& known) {
  const std::string address = key.starts_with(kPrefix) ? key : std::string(kPrefix) + key;
  const std::string name = address.substr(kPrefix.size());
  const auto entry = std::find_if(known.begin(), known.end(),
                                  [&](const AddressTypes& a) { return a.address == address && !is_protocol(address); });
  if (entry == known.end() || entry->types.empty()) {
    std::vector<std::string> settable;
    for (const auto& a : known)
      if (a.address.starts_with(kPrefix) && !a.types.empty() && !is_protocol(a.address)) settable.push_back(a.address.substr(kPrefix.size()));
    std::sort(settable.begin(), settable.end());
    std::string list;
    for (const auto& s : settable) list += (list.empty() ? "" : ", ") + s;
    throw RequestError((entry == known.end() ? "unknown key '" : "'") + name +
                       (entry == known.end() ? "'" : "' takes no value") + "; the keys clarad can set: " +
                       (list.empty() ? "(none)" : list));
  }
  const std::string& types = entry->types;
  const auto wanted = static_cast<std::size_t>(
      std::count_if(types.begin(), types.end(), [](char t) { return t != 'N' && t != 'I'; }));
  if (wanted != values.size())
    throw RequestError(name + " takes " + std::to_string(wanted) + " value" + (wanted == 1 ? "" : "s") + " (" + types +
                       "), got " + std::to_string(values.size()));
  osc::Message m{address, "", {}};
  std::size_t next = 0;
  for (const char t : types) {
    if (t == 'N' || t == 'I') {
      m.types += t;
      m.arguments.push_back(t == 'N' ? osc::Value(osc::Nil{}) : osc::Value(osc::Impulse{}));
      continue;
    }
    const std::string what = wanted == 1 ? name : name + " value " + std::to_string(next + 1);
    if (t == 'T' || t == 'F') {
      const bool b = boolean(values[next++], what);
      m.types += b ? 'T' : 'F';
      m.arguments.emplace_back(b);
      continue;
    }
    m.types += t;
    m.arguments.push_back(parse_argument(t, values[next++], what));
  }
  return m;
}

bool answers(const osc::Message& request, const osc::Message& reply) {
  if (reply.address == "/clara/ok" || reply.address == "/clara/error") {
    const auto* about = string_argument(reply, 0);
    return about != nullptr && *about == request.address;
  }
  if (request.address == "/clara/get") {
    const auto* wanted = string_argument(request, 0);
    const auto* key = string_argument(reply, 0);
    return reply.address == "/clara/value" && wanted != nullptr && key != nullptr && *wanted == *key;
  }
  return reply.address == request.address;
}

std::string error_reason(const osc::Message& reply) {
  const auto* reason = string_argument(reply, 1);
  return reason ? *reason : "";
}

}  // namespace clara::ctl
