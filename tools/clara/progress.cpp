#include "tools/clara/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace clara::cli {

namespace {
std::string format_duration(double s) {
  if (!(s >= 0) || s > 360000) return "--:--";
  long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
  return buf;
}
}  // namespace

Progress::Progress(std::string label, std::size_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(std::size_t n, const std::string& detail) {
  done_ += n;
  if (!detail.empty()) detail_ = detail;
  auto now = std::chrono::steady_clock::now();
  // Redraw at most 10/s on a terminal; every 5 s in plain-line mode.
  auto period = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ >= period || done_ == total_) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final_line) {
  double el = elapsed_seconds();
  double rate = el > 0 ? static_cast<double>(done_) / el : 0.0;
  double eta = rate > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / rate : 0.0;
  double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  char stats[160];
  std::snprintf(stats, sizeof stats, "%zu/%zu %s  %.1f %s/s  %s %s", done_, total_, unit_.c_str(), rate,
                unit_.c_str(), final_line ? "took" : "ETA", format_duration(final_line ? el : eta).c_str());
  if (tty_) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %3.0f%% %s %s", label_.c_str(), bar.c_str(), frac * 100, stats,
                 detail_.c_str());
    if (final_line) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s: %3.0f%% %s %s\n", label_.c_str(), frac * 100, stats, detail_.c_str());
  }
  std::fflush(stderr);
}

}  // namespace clara::cli
