#include "daemon/service/ledgered_backend.hpp"

#include "daemon/midi/open_backend.hpp"
#include "daemon/service/startup_error.hpp"

namespace clara::daemon {

LedgeredBackend open_ledgered_backend(DaemonSettings& settings) {
  LedgeredBackend out;
  out.journal = std::make_unique<SoundingJournal>();
  out.commit_journal = std::make_unique<SoundingJournal>();
  const std::string path = sounding_file_path(settings.backend, settings.midi.jack_server, settings.midi.client_name);
  settings.midi.journal = out.journal.get();
  settings.midi.commit_journal = out.commit_journal.get();
  settings.midi.left_sounding = take_left_sounding(path, settings.midi.outputs.size());
  try {
    out.backend = open_backend(settings.backend, settings.midi);
  } catch (const BackendError& e) {
    throw StartupError(69, e.what());
  }
  out.sounding = std::make_unique<SoundingLedgerWriter>(path, *out.journal, settings.midi.left_sounding,
                                                        out.commit_journal.get());
  out.sounding->start();
  return out;
}

}  // namespace clara::daemon
