#include "daemon/service/sounding_ledger.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/log/logger.hpp"

namespace clara::daemon {
namespace {

constexpr std::string_view kHeader = "clara-sounding 1";
constexpr std::size_t kMaxFileBytes = 1 << 20;  // 16384 keys at most need ~250 KB
// A note that starts in the time between its write to the port and the file's next replacement is
// ended after a crash only by the start-up panic's CC123. At 10 / 20 ms, a kill -9 x20 run had one
// such note in 17 rounds; a replacement is a small write and a rename (no fsync), cheap at 5 ms.
constexpr auto kPoll = std::chrono::milliseconds(2);
constexpr auto kMinWriteGap = std::chrono::milliseconds(5);

// Whitespace-separated fields of one line, each a decimal integer.
bool parse_ints(std::string_view line, std::vector<long>& out) {
  out.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    long v = 0;
    const auto [p, ec] = std::from_chars(line.data() + i, line.data() + j, v);
    if (ec != std::errc{} || p != line.data() + j) return false;
    out.push_back(v);
    i = j;
  }
  return true;
}

std::string safe_name(std::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return out.empty() ? "default" : out;
}

}  // namespace

std::string format_sounding(const std::vector<SoundingNote>& notes) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& n : notes)
    out += std::to_string(n.port) + ' ' + std::to_string(n.channel + 1) + ' ' + std::to_string(n.key) + ' ' +
           std::to_string(n.depth) + '\n';
  out += "end " + std::to_string(notes.size()) + '\n';
  return out;
}

SoundingRead parse_sounding(std::string_view text, const std::string& where) {
  SoundingRead r;
  auto fail = [&](std::size_t line, const std::string& why) {
    r.notes.clear();
    r.warning = where + ":" + std::to_string(line) + ": " + why;
    return r;
  };
  if (text.size() > kMaxFileBytes)
    return fail(1, "larger than " + std::to_string(kMaxFileBytes) + " bytes: not a ledger");
  std::size_t line_no = 0, pos = 0;
  bool ended = false;
  std::vector<long> f;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return fail(line_no + 1, "the last line has no newline (cut short)");
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (ended) return fail(line_no, "text after the 'end' line");
    if (line_no == 1) {
      if (line != kHeader) return fail(1, "not a Clara sounding-notes file (expected '" + std::string(kHeader) + "')");
      continue;
    }
    if (line.starts_with("end")) {
      if (!parse_ints(line.substr(3), f) || f.size() != 1 || line.size() < 5 || line[3] != ' ')
        return fail(line_no, "malformed 'end' line");
      if (f[0] != static_cast<long>(r.notes.size()))
        return fail(line_no, "'end' counts " + std::to_string(f[0]) + " notes, the file lists " +
                                 std::to_string(r.notes.size()));
      ended = true;
      continue;
    }
    if (!parse_ints(line, f) || f.size() != 4) return fail(line_no, "expected 'PORT CHANNEL KEY DEPTH'");
    if (f[0] < 0 || f[0] >= NoteLedger::kMaxPorts)
      return fail(line_no, "port " + std::to_string(f[0]) + " outside 0.." + std::to_string(NoteLedger::kMaxPorts - 1));
    if (f[1] < 1 || f[1] > 16) return fail(line_no, "channel " + std::to_string(f[1]) + " outside 1..16");
    if (f[2] < 0 || f[2] > 127) return fail(line_no, "key " + std::to_string(f[2]) + " outside 0..127");
    if (f[3] < 1 || f[3] > 255) return fail(line_no, "depth " + std::to_string(f[3]) + " outside 1..255");
    const SoundingNote n{static_cast<int>(f[0]), static_cast<int>(f[1] - 1), static_cast<int>(f[2]),
                         static_cast<int>(f[3])};
    for (const auto& m : r.notes)
      if (m.port == n.port && m.channel == n.channel && m.key == n.key)
        return fail(line_no, "the same port, channel and key twice");
    r.notes.push_back(n);
  }
  if (line_no == 0) return fail(1, "empty");
  if (!ended) return fail(line_no, "no 'end' line (cut short)");
  return r;
}

SoundingRead read_sounding_file(const std::string& path) {
  SoundingRead r;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno != ENOENT) r.warning = path + ": cannot be read: " + std::strerror(errno);
    return r;
  }
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_sounding(text, path);
}

bool write_sounding_file(const std::string& path, const std::vector<SoundingNote>& notes, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (notes.empty()) {
    fs::remove(path, ec);
    if (ec) error = path + ": cannot be removed: " + ec.message();
    return !ec;
  }
  const fs::path dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      error = dir.string() + ": cannot be created: " + ec.message();
      return false;
    }
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  const std::string tmp = path + ".tmp";
  const std::string text = format_sounding(notes);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = tmp + ": cannot be written: " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = tmp + ": cannot be written: " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  // No fsync: the file guards against the process dying (the page cache survives that); a
  // power cut silences the synth too.
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": cannot be replaced: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

std::string sounding_file_path(std::string_view backend, std::string_view server, std::string_view client) {
  namespace fs = std::filesystem;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v && *v == '/' ? v : "";
  };
  fs::path dir;
  if (const auto run = env("XDG_RUNTIME_DIR"); !run.empty())
    dir = fs::path(run) / "clara";
  else if (const auto state = env("STATE_DIRECTORY"); !state.empty())
    dir = fs::path(state.substr(0, state.find(':')));  // systemd lists one folder per StateDirectory= entry
  else if (const auto home = env("HOME"); !home.empty())
    dir = fs::path(home) / ".local/state/clara";
  else
    dir = fs::path("/tmp") / ("clara-" + std::to_string(::getuid()));
  std::string server_name(server);
  if (server_name.empty() && backend == "jack") {
    const char* e = std::getenv("JACK_DEFAULT_SERVER");
    server_name = e && *e ? e : "default";
  }
  const std::string name = "sounding-" + safe_name(backend) + "-" +
                           (server_name.empty() ? std::string("default") : safe_name(server_name)) + "-" +
                           safe_name(client);
  return (dir / name).string();
}

std::vector<SoundingNote> take_left_sounding(const std::string& path, std::size_t output_ports) {
  SoundingRead r = read_sounding_file(path);
  if (!r.warning.empty()) {
    log::warning("sounding-notes ledger ignored: %s (the start-up panic still resets the configured channels)",
                 r.warning.c_str());
    return {};
  }
  const auto before = r.notes.size();
  std::erase_if(r.notes, [&](const SoundingNote& n) { return static_cast<std::size_t>(n.port) >= output_ports; });
  if (r.notes.size() != before)
    log::warning("%s: %zu notes on output ports clarad no longer has are not ended", path.c_str(),
                 before - r.notes.size());
  if (!r.notes.empty()) {
    std::string keys;
    for (const auto& n : r.notes)
      keys += " " + std::to_string(n.port) + "/" + std::to_string(n.channel + 1) + "/" + std::to_string(n.key);
    log::notice("a previous clarad left %zu notes sounding (%s); ending them first (port/channel/key:%s)",
                r.notes.size(), path.c_str(), keys.c_str());
  }
  return std::move(r.notes);
}

std::vector<SoundingNote> sounding_notes(const NoteLedger& ledger) { return sounding_notes(ledger, NoteLedger{}); }

std::vector<SoundingNote> sounding_notes(const NoteLedger& written, const NoteLedger& committed) {
  std::vector<SoundingNote> out;
  for (int p = 0; p < NoteLedger::kMaxPorts; ++p) {
    if (written.sounding(p) == 0 && committed.sounding(p) == 0) continue;
    for (int ch = 0; ch < 16; ++ch)
      for (int key = 0; key < 128; ++key)
        if (const int d = std::max(written.depth(p, ch, key), committed.depth(p, ch, key)); d > 0)
          out.push_back({p, ch, key, d});
  }
  return out;
}

SoundingLedgerWriter::SoundingLedgerWriter(std::string path, SoundingJournal& journal,
                                           const std::vector<SoundingNote>& recovered, SoundingJournal* committed)
    : path_(std::move(path)), journal_(journal), committed_(committed) {
  for (const auto& n : recovered)
    for (int d = 0; d < n.depth; ++d)
      mirror_.record(n.port, ShortMessage{static_cast<std::uint8_t>(0x90 | n.channel),
                                          static_cast<std::uint8_t>(n.key), 64});
}

SoundingLedgerWriter::~SoundingLedgerWriter() { stop(); }

void SoundingLedgerWriter::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void SoundingLedgerWriter::stop() {
  if (running_.exchange(false)) thread_.join();
  flush(true);
}

void SoundingLedgerWriter::flush(bool force) {
  if (journal_.drain([&](const JournalEntry& e) { mirror_.record(e.port, e.msg); }) > 0) dirty_ = true;
  if (committed_ && committed_->drain([&](const JournalEntry& e) { committed_mirror_.record(e.port, e.msg); }) > 0)
    dirty_ = true;
  if (const auto lost = journal_.lost(); lost != lost_seen_) {
    log::warning("sounding-notes ledger: %llu note messages not journalled (queue full); the start-up panic's "
                 "controller resets cover them after a crash",
                 static_cast<unsigned long long>(lost - lost_seen_));
    lost_seen_ = lost;
  }
  if (!dirty_ && !force) return;
  std::string error;
  if (write_sounding_file(path_, sounding_notes(mirror_, committed_mirror_), error)) {
    dirty_ = false;
    warned_ = false;
    writes_.fetch_add(1, std::memory_order_relaxed);
  } else if (!warned_) {
    log::warning("sounding-notes ledger: %s (after a crash, only the start-up panic ends notes)", error.c_str());
    warned_ = true;
  }
}

void SoundingLedgerWriter::run() {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now();
  auto last_write = clock::now() - kMinWriteGap;
  while (running_.load(std::memory_order_relaxed)) {
    deadline += kPoll;
    std::this_thread::sleep_until(deadline);
    if (clock::now() - deadline > 50 * kPoll) deadline = clock::now();
    if (clock::now() - last_write < kMinWriteGap) continue;
    const std::uint64_t before = writes_.load(std::memory_order_relaxed);
    flush(false);
    if (writes_.load(std::memory_order_relaxed) != before) last_write = clock::now();
  }
}

}  // namespace clara::daemon
