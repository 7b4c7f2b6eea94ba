#pragma once
// Progress for long commands: a redrawn bar with rate and ETA on a terminal,
// plain periodic lines when stderr is a pipe or file (logs stay readable).
#include <chrono>
#include <cstddef>
#include <string>

namespace clara::cli {

class Progress {
 public:
  Progress(std::string label, std::size_t total, std::string unit = "items");
  ~Progress();
  // Advance by n; `detail` (e.g. "loss 2.31") is shown after the rate.
  void advance(std::size_t n = 1, const std::string& detail = "");
  void finish();
  double elapsed_seconds() const;

 private:
  void draw(bool final_line);
  std::string label_, unit_, detail_;
  std::size_t total_, done_ = 0;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace clara::cli
