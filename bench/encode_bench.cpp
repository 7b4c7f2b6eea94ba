// Corpus encoding throughput: every .mid under a folder read from memory,
// parsed, quantised and encoded to notewise (original key, as the seed's
// per-file step), on N threads. Repeated R times after a warm-up; prints the
// median, best and worst pass and peak RSS. bench/encode_bench.sh runs it
// beside python3-mido's parse of the same files.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding/codec.hpp"
#include "core/midi/midi_file.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: encode_bench CORPUS_DIR [THREADS] [REPEATS]\n");
    return 64;
  }
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 2;
  int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  std::vector<std::vector<std::uint8_t>> files;
  std::size_t bytes = 0;
  for (auto& e : fs::recursive_directory_iterator(argv[1])) {
    auto ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".mid" && ext != ".midi")) continue;
    std::ifstream in(e.path(), std::ios::binary);
    files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    bytes += files.back().size();
  }
  if (files.empty()) return 66;
  const clara::EncodingSpec spec = clara::EncodingSpec::defaults(clara::Encoding::notewise);

  std::size_t tokens = 0, failures = 0;
  auto pass = [&] {
    std::atomic<std::size_t> next{0}, tok{0}, fail{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
          try {
            clara::EncodeCounts c;
            auto score = clara::read_midi(files[i]);
            tok += clara::encode_score(score, spec, c).size();
          } catch (const std::exception&) {
            fail++;
          }
        }
      });
    for (auto& th : pool) th.join();
    tokens = tok;
    failures = fail;
  };
  pass();  // warm-up
  std::vector<double> seconds;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    pass();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  double median = seconds[seconds.size() / 2];
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "clara files=%zu bytes=%zu tokens=%zu failures=%zu threads=%u repeats=%d seconds_median=%.4f "
      "seconds_min=%.4f seconds_max=%.4f files_per_s=%.1f mb_per_s=%.2f peak_rss_mb=%.1f\n",
      files.size(), bytes, tokens, failures, threads, repeats, median, seconds.front(), seconds.back(),
      static_cast<double>(files.size()) / median, static_cast<double>(bytes) / median / 1e6,
      static_cast<double>(ru.ru_maxrss) / 1024.0);
  return failures ? 1 : 0;
}
