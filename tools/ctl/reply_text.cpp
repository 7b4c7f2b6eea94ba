#include "tools/ctl/reply_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <type_traits>
#include <variant>
#include <vector>

namespace clara::ctl {
namespace {

template <typename T>
std::string shortest(T x) {
  std::array<char, 64> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return std::string(buf.data(), r.ptr);
}

std::string fixed3(double x) {
  std::array<char, 64> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), x, std::chars_format::fixed, 3);
  return std::string(buf.data(), r.ptr);
}

const std::string* string_at(const osc::Message& m, std::size_t i) {
  return i < m.arguments.size() ? std::get_if<std::string>(&m.arguments[i]) : nullptr;
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// Rows of cells, each column as wide as its widest cell, two spaces between.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) line += c + 1 == r.size() ? r[c] : pad(r[c], width[c]) + "  ";
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string value_text(const osc::Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return v;
        else if constexpr (std::is_same_v<T, osc::Nil>) return "nil";
        else if constexpr (std::is_same_v<T, osc::Impulse>) return "impulse";
        else if constexpr (std::is_same_v<T, osc::TimeTag>) return "timetag " + std::to_string(v.ntp);
        else if constexpr (std::is_same_v<T, osc::Blob>) {
          std::string s = "0x";
          for (const auto byte : v) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", byte);
            s += hex;
          }
          return s;
        } else {
          return shortest(v);  // int32, int64, float, double
        }
      },
      value);
}

std::string values_text(const osc::Message& message, std::size_t from) {
  std::string s;
  for (std::size_t i = from; i < message.arguments.size(); ++i) s += (s.empty() ? "" : " ") + value_text(message.arguments[i]);
  return s;
}

std::string key_value_lines(const osc::Message& reply) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::size_t width = 0;
  for (std::size_t i = 0; i < reply.arguments.size(); i += 2) {
    const auto* key = string_at(reply, i);
    std::string k = (key ? *key : "?") + ":";
    width = std::max(width, k.size());
    lines.emplace_back(std::move(k), i + 1 < reply.arguments.size() ? value_text(reply.arguments[i + 1]) : "");
  }
  std::string out;
  for (const auto& [k, v] : lines) out += v.empty() ? k + "\n" : pad(k, width + 1) + v + "\n";
  return out;
}

std::optional<osc::Value> find_value(const osc::Message& reply, const std::string& key) {
  for (std::size_t i = 0; i + 1 < reply.arguments.size(); i += 2) {
    const auto* k = string_at(reply, i);
    if (k && *k == key) return reply.arguments[i + 1];
  }
  return std::nullopt;
}

std::string models_table(const osc::Message& reply, const std::optional<std::string>& playing) {
  std::vector<std::vector<std::string>> rows{{"", "NAME", "ENCODING", "INSTRUMENTS", "HELD-OUT NLL"}};
  for (std::size_t i = 0; i + 4 <= reply.arguments.size(); i += 4) {
    const auto& a = reply.arguments;
    std::string nll = "-";
    if (const auto* f = std::get_if<float>(&a[i + 3]); f && *f >= 0) nll = fixed3(*f);
    else if (const auto* d = std::get_if<double>(&a[i + 3]); d && *d >= 0) nll = fixed3(*d);
    const std::string name = value_text(a[i]);
    rows.push_back({playing && *playing == name ? "*" : "", name, value_text(a[i + 1]), value_text(a[i + 2]), nll});
  }
  if (rows.size() == 1) return "no models\n";
  return table(rows);
}

std::string list_lines(const osc::Message& reply) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < reply.arguments.size(); i += 2) {
    std::string types = i + 1 < reply.arguments.size() ? value_text(reply.arguments[i + 1]) : "";
    rows.push_back({value_text(reply.arguments[i]), types.empty() ? "-" : types});
  }
  return table(rows);
}

std::string watch_line(double seconds, const osc::Message& value) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%9.3f  ", seconds);
  const auto* key = string_at(value, 0);
  return std::string(stamp) + (key ? *key : "?") + ": " + values_text(value, 1) + "\n";
}

}  // namespace clara::ctl
