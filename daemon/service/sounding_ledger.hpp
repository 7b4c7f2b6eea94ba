#pragma once
// The crash ledger: which of Clara's notes are sounding right now, kept in a tiny file, so that a
// clarad started after a crash (kill -9, the watchdog's SIGABRT, a power cut of the computer but
// not of the synth) ends exactly those notes first, before the start-up panic's controller resets
// (which a synth may ignore). The real-time side only journals what it wrote
// (daemon/midi/sounding_journal.hpp); the writer thread here replays that into a ledger of its own
// and replaces the file atomically (write, rename) when it changed, at most every 5 ms. Nothing
// sounding: no file. The inference thread journals what it pushes too, a grid step or more before
// it is written, and the file lists the keys of both: so a note is in the file before it sounds
// (a crash may then end a note that never started: a harmless note-off), unless the writer thread
// falls that far behind.
//
// The file, text:
//   clara-sounding 1
//   PORT CHANNEL KEY DEPTH        one line per sounding key: output port index 0..7, channel 1..16,
//   ...                           key 0..127, depth 1..255 (note-ons not yet ended)
//   end COUNT                     the number of lines above; a file without it was cut short
// A file that does not parse is ignored with a warning naming its line (the start-up panic still
// resets every configured channel), never a failure.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/midi/note_ledger.hpp"
#include "daemon/midi/sounding_journal.hpp"

namespace clara::daemon {

std::string format_sounding(const std::vector<SoundingNote>& notes);

struct SoundingRead {
  std::vector<SoundingNote> notes;
  std::string warning;  // non-empty: the file was ignored, and why (file:line: reason)
};
// `where` names the file in the warning.
SoundingRead parse_sounding(std::string_view text, const std::string& where);
// A missing file is an empty ledger, no warning.
SoundingRead read_sounding_file(const std::string& path);
// Atomically replaces `path` (a temporary beside it, then rename); an empty list removes the
// file. Creates the folder (0700) when missing. False and `error` set when it cannot.
bool write_sounding_file(const std::string& path, const std::vector<SoundingNote>& notes, std::string& error);

// Where the ledger of this clarad lives: one file per backend, server and client name (two
// clarads side by side do not share one), in $XDG_RUNTIME_DIR/clara/ (a desktop session, the
// user unit), else $STATE_DIRECTORY (the system unit's /var/lib/clara), else
// ~/.local/state/clara/.
std::string sounding_file_path(std::string_view backend, std::string_view server, std::string_view client);

// At start: what a previous clarad left sounding at `path` (logged; a bad file is ignored with a
// warning; notes of ports beyond `output_ports` are dropped). The file stays until the start-up panic has ended those notes (the writer removes it).
std::vector<SoundingNote> take_left_sounding(const std::string& path, std::size_t output_ports);

// The notes a ledger holds, in port, channel, key order.
std::vector<SoundingNote> sounding_notes(const NoteLedger& ledger);
// The keys either ledger holds, each at the larger depth: what was written and what is on its way.
std::vector<SoundingNote> sounding_notes(const NoteLedger& written, const NoteLedger& committed);

class SoundingLedgerWriter {
 public:
  // `recovered`: what the file held at start (the backend's start-up panic ends those notes,
  // and their note-offs come back through the journal), so the file stays until they are out.
  // `committed` (may be null): the notes as the inference thread pushes them, before they are
  // written; the file lists a key while either journal says it sounds (or is about to).
  SoundingLedgerWriter(std::string path, SoundingJournal& journal, const std::vector<SoundingNote>& recovered,
                       SoundingJournal* committed = nullptr);
  ~SoundingLedgerWriter();
  void start();
  // A last drain and write (after the backend's stop: nothing sounds, so the file goes). Idempotent.
  void stop();
  std::uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }

 private:
  void run();
  void flush(bool force);

  std::string path_;
  SoundingJournal& journal_;
  SoundingJournal* committed_;
  NoteLedger mirror_;            // what was written
  NoteLedger committed_mirror_;  // what was pushed to be written
  bool dirty_ = true;  // the first pass writes (or removes a stale or corrupt file)
  bool warned_ = false;
  std::uint64_t lost_seen_ = 0;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> writes_{0};
};

}  // namespace clara::daemon
