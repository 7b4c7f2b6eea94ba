#pragma once
// The training log `clara train` writes (train_log.csv: epoch, iter, tokens_seen,
// train_loss, val_loss, val_acc, lr, seconds; an empty cell where a row has no
// value) read back strictly, for plotting. Any numeric CSV with a header reads the
// same way, so other trainers' logs plot too.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace clara {

struct TrainingLogError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainingLog {
  std::vector<std::string> columns;         // from the header
  std::vector<std::vector<double>> rows;    // one value per column; NaN for an empty cell

  std::optional<std::size_t> column(std::string_view name) const;
};

// Throws TrainingLogError naming `source`, the line and the column: no header, a
// repeated or empty column name, a byte outside printable ASCII in a name (or a NUL
// anywhere: a binary file), a row with the wrong number of cells, a cell that is
// not a number. Blank lines are skipped; "\r\n" line ends are accepted.
TrainingLog parse_training_log(std::string_view text, const std::string& source);

}  // namespace clara
