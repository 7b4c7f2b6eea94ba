#pragma once
// Everything clarad can be told, in one struct: defaults here, then the config
// file (config_file.cpp), then the command line (command_line.cpp) override it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "daemon/config/cc_bindings.hpp"
#include "daemon/config/control_settings.hpp"
#include "daemon/config/settings_error.hpp"
#include "daemon/config/sync_settings.hpp"
#include "daemon/midi/midi_backend.hpp"

namespace clara::daemon {

// Where one of Clara's instruments goes and how it is shaped on the way.
struct InstrumentRoute {
  std::string instrument = "p";  // token prefix of the model's part table
  int output = 0;                // index into BackendSettings::outputs
  int channel = 0;               // 0..15 (1..16 in files and flags)
  int program = -1;              // program change sent at start, -1 = none
  double velocity_curve = 1.0;   // out = 127 * (in/127)^curve; 1 = linear, <1 louder, >1 softer
  int note_low = 0, note_high = 127;  // notes outside fold by octaves into this range
};

struct DaemonSettings {
  std::string backend = "jack";  // "jack" or "alsa"
  std::string model = "notewise-piano";
  int threads = 1;               // CPU threads for the model
  // Step arithmetic: "fp32", "int8" (int8 weights) or "auto" (measured at start: int8 where
  // faster and within tolerance of fp32; docs/models.md).
  std::string precision = "auto";
  // Step device: "cpu" (Clara's own kernels), "cuda" (LibTorch's step on the GPU; refused at
  // start where there is none) or "auto" (measured at start: the faster; docs/models.md).
  std::string device = "auto";
  // The library's DuetConfig, but with the key-keeping bias on (core/duet/human_key.hpp).
  DuetConfig duet{.sampler = {.key_keeping = kDefaultKeyKeeping}};
  double lookahead_beats = 2.0;  // becomes duet.lookahead_steps once the model's grid is known
  // Whether the file or a flag named the instruments; if not, a chamber model's table decides
  // (the human its solo instrument, Clara the piano).
  bool human_instrument_given = false, clara_instrument_given = false;
  BackendSettings midi;
  std::vector<InstrumentRoute> routes;  // empty: Clara's instrument on output 0, channel 1
  bool record_sessions = true;
  std::filesystem::path sessions_dir;   // empty: $XDG_DATA_HOME/clara/sessions (~/.local/share/...)
  std::filesystem::path stats_file;     // JSON figures written at exit, when set
  std::string log_level = "info";       // error, warning, notice, info, debug ([log] level, --verbose, --quiet)
  bool allow_root = false;              // --allow-root only (no file key): run even as root
  // Refuse a model whose p99 step, times this many tokens a grid step may need,
  // exceeds the grid step at the configured tempo.
  double tokens_per_step_budget = 4.0;
  ControlSettings control;       // [control]: the OSC control plane
  SyncSettings sync;             // [sync]: where the grid's tempo comes from
  std::vector<CcBinding> cc;     // [[cc]]: MIDI controllers of the human's input bound to controls
  // [solo]: in solo mode, each phrase the best of `candidates` by the critic (1: off).
  struct Solo {
    int candidates = 1;
    std::string critic = "critic-notewise-piano";  // a folder, or the name of one under models/
  } solo;

  // validate_values(), then ControlSettings::check_exposure() (exit code 78). The config
  // loader checks values only: a flag (--no-osc) may still make its file's [control] safe.
  void validate() const;
  // Every value in range, and the cross-field checks; SettingsError naming the setting.
  void validate_values() const;
  std::filesystem::path effective_sessions_dir() const;
};

// The routes with defaults filled in for Clara's instrument.
std::vector<InstrumentRoute> effective_routes(const DaemonSettings& s);

}  // namespace clara::daemon
