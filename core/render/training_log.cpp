#include "core/render/training_log.hpp"

#include <charconv>
#include <cmath>

namespace clara {
namespace {

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t from = 0;
  for (;;) {
    const auto comma = line.find(',', from);
    cells.push_back(line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from));
    if (comma == std::string_view::npos) return cells;
    from = comma + 1;
  }
}

}  // namespace

std::optional<std::size_t> TrainingLog::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

TrainingLog parse_training_log(std::string_view text, const std::string& source) {
  TrainingLog log;
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw TrainingLogError(source + ": byte " + std::to_string(nul) + " is NUL: not a CSV text file");
  std::size_t line_no = 0, from = 0;
  bool header = true;
  while (from < text.size()) {
    auto nl = text.find('\n', from);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(from, nl - from);
    from = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    const auto cells = split(line);
    if (header) {
      for (auto c : cells) {
        if (c.empty()) throw TrainingLogError(where + "empty column name in the header");
        for (unsigned char ch : c)
          if (ch < 0x20 || ch > 0x7e)
            throw TrainingLogError(where + "byte " + std::to_string(static_cast<int>(ch)) +
                                   " in a column name: not a CSV text file");
        if (log.column(c)) throw TrainingLogError(where + "column '" + std::string(c) + "' appears twice");
        if (c.find_first_not_of("0123456789.+-eE") == std::string_view::npos)
          throw TrainingLogError(where + "no header (the first line is '" + std::string(line) + "')");
        log.columns.emplace_back(c);
      }
      header = false;
      continue;
    }
    if (cells.size() != log.columns.size())
      throw TrainingLogError(where + std::to_string(cells.size()) + " cells, the header has " +
                             std::to_string(log.columns.size()));
    std::vector<double> row;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto c = cells[i];
      if (c.empty()) {
        row.push_back(NAN);
        continue;
      }
      double v = 0;
      const auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
      if (ec != std::errc() || end != c.data() + c.size() || !std::isfinite(v))
        throw TrainingLogError(where + "column " + log.columns[i] + ": '" + std::string(c) + "' is not a number");
      row.push_back(v);
    }
    log.rows.push_back(std::move(row));
  }
  if (header) throw TrainingLogError(source + ": empty (no header)");
  return log;
}

}  // namespace clara
