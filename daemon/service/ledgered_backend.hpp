#pragma once
// The MIDI backend opened with the crash ledger around it (sounding_ledger.hpp): the notes a killed
// clarad left sounding are read first and handed to the backend, whose start-up panic ends them;
// every note the real-time side writes then goes to the journal, and the writer thread keeps the
// ledger file. Stopped in that order too: the backend (its panic ends everything), then the writer,
// whose last write removes the file.
#include <memory>
#include <string>

#include "daemon/config/settings.hpp"
#include "daemon/midi/midi_backend.hpp"
#include "daemon/midi/sounding_journal.hpp"
#include "daemon/service/sounding_ledger.hpp"

namespace clara::daemon {

struct LedgeredBackend {
  std::unique_ptr<SoundingJournal> journal;         // written notes; its address is in the backend's settings
  std::unique_ptr<SoundingJournal> commit_journal;  // pushed notes, ahead of their writing
  std::unique_ptr<MidiBackend> backend;
  std::unique_ptr<SoundingLedgerWriter> sounding;
};

// Opens `settings.backend` with `settings.midi` (its journal and left_sounding filled in here) and
// starts the ledger's writer. A backend that cannot open is StartupError 69 (no MIDI server).
LedgeredBackend open_ledgered_backend(DaemonSettings& settings);

}  // namespace clara::daemon
