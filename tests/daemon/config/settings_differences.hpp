#pragma once
// DaemonSettings has no operator== (DuetConfig holds the grammar's config, which has none):
// the fields two settings differ in, by name, for tests that hold one to another.
#include <string>
#include <tuple>
#include <vector>

#include "daemon/config/settings.hpp"

namespace clara::daemon::test {

// The fields of a and b that differ, by name. Routes are compared as clarad uses them
// (effective_routes), so a [[route]] equal to the default route is no difference.
inline std::vector<std::string> differences(const DaemonSettings& a, const DaemonSettings& b) {
  std::vector<std::string> d;
  auto field = [&](const std::string& name, const auto& x, const auto& y) {
    if (!(x == y)) d.push_back(name);
  };
  field("backend", a.backend, b.backend);
  field("model", a.model, b.model);
  field("threads", a.threads, b.threads);
  field("precision", a.precision, b.precision);
  field("device", a.device, b.device);
  field("duet.mode", a.duet.mode, b.duet.mode);
  field("duet.bpm", a.duet.bpm, b.duet.bpm);
  field("duet.lookahead_steps", a.duet.lookahead_steps, b.duet.lookahead_steps);
  field("duet.commit_steps", a.duet.commit_steps, b.duet.commit_steps);
  field("duet.answer_silence_beats", a.duet.answer_silence_beats, b.duet.answer_silence_beats);
  field("duet.answer_bars", a.duet.answer_bars, b.duet.answer_bars);
  field("duet.beats_per_bar", a.duet.beats_per_bar, b.duet.beats_per_bar);
  field("duet.human_prefix", a.duet.human_prefix, b.duet.human_prefix);
  field("duet.clara_prefix", a.duet.clara_prefix, b.duet.clara_prefix);
  field("duet.fixed_velocity", a.duet.fixed_velocity, b.duet.fixed_velocity);
  field("duet.clara_channel", a.duet.clara_channel, b.duet.clara_channel);
  field("duet.clara_port", a.duet.clara_port, b.duet.clara_port);
  field("duet.sampler.policy", a.duet.sampler.policy, b.duet.sampler.policy);
  field("duet.sampler.temperature", a.duet.sampler.temperature, b.duet.sampler.temperature);
  field("duet.sampler.top_k", a.duet.sampler.top_k, b.duet.sampler.top_k);
  field("duet.sampler.top_p", a.duet.sampler.top_p, b.duet.sampler.top_p);
  field("duet.sampler.random_freq", a.duet.sampler.random_freq, b.duet.sampler.random_freq);
  field("duet.sampler.key_keeping", a.duet.sampler.key_keeping, b.duet.sampler.key_keeping);
  field("duet.sampler.seed", a.duet.sampler.seed, b.duet.sampler.seed);
  const auto& ga = a.duet.grammar;
  const auto& gb = b.duet.grammar;
  field("duet.grammar", std::tie(ga.forbid_unmatched_end, ga.forbid_double_onset, ga.max_note_steps, ga.max_polyphony,
                                 ga.forbid_unk_pad),
        std::tie(gb.forbid_unmatched_end, gb.forbid_double_onset, gb.max_note_steps, gb.max_polyphony,
                 gb.forbid_unk_pad));
  field("lookahead_beats", a.lookahead_beats, b.lookahead_beats);
  field("human_instrument_given", a.human_instrument_given, b.human_instrument_given);
  field("clara_instrument_given", a.clara_instrument_given, b.clara_instrument_given);
  field("midi.client_name", a.midi.client_name, b.midi.client_name);
  field("midi.input_name", a.midi.input_name, b.midi.input_name);
  field("midi.connect_input", a.midi.connect_input, b.midi.connect_input);
  field("midi.startup_panic_channels", a.midi.startup_panic_channels, b.midi.startup_panic_channels);
  field("midi.jack_server", a.midi.jack_server, b.midi.jack_server);
  field("midi.outputs.size", a.midi.outputs.size(), b.midi.outputs.size());
  for (std::size_t i = 0; i < std::min(a.midi.outputs.size(), b.midi.outputs.size()); ++i) {
    const auto& x = a.midi.outputs[i];
    const auto& y = b.midi.outputs[i];
    const std::string w = "midi.outputs[" + std::to_string(i) + "].";
    field(w + "name", x.name, y.name);
    field(w + "connect", x.connect, y.connect);
    field(w + "max_note_ms", x.max_note_ms, y.max_note_ms);
    field(w + "max_polyphony", x.max_polyphony, y.max_polyphony);
  }
  const auto ra = effective_routes(a);
  const auto rb = effective_routes(b);
  field("routes.size", ra.size(), rb.size());
  for (std::size_t i = 0; i < std::min(ra.size(), rb.size()); ++i) {
    const std::string w = "routes[" + std::to_string(i) + "].";
    field(w + "instrument", ra[i].instrument, rb[i].instrument);
    field(w + "output", ra[i].output, rb[i].output);
    field(w + "channel", ra[i].channel, rb[i].channel);
    field(w + "program", ra[i].program, rb[i].program);
    field(w + "velocity_curve", ra[i].velocity_curve, rb[i].velocity_curve);
    field(w + "note_low", ra[i].note_low, rb[i].note_low);
    field(w + "note_high", ra[i].note_high, rb[i].note_high);
  }
  field("record_sessions", a.record_sessions, b.record_sessions);
  field("sessions_dir", a.sessions_dir, b.sessions_dir);
  field("stats_file", a.stats_file, b.stats_file);
  field("log_level", a.log_level, b.log_level);
  field("sync.source", a.sync.source, b.sync.source);
  field("sync.clock_out", a.sync.clock_out, b.sync.clock_out);
  field("sync.metronome", a.sync.metronome, b.sync.metronome);
  field("sync.count_in_bars", a.sync.count_in_bars, b.sync.count_in_bars);
  field("solo.candidates", a.solo.candidates, b.solo.candidates);
  field("solo.critic", a.solo.critic, b.solo.critic);
  field("tokens_per_step_budget", a.tokens_per_step_budget, b.tokens_per_step_budget);
  field("allow_root", a.allow_root, b.allow_root);
  field("control.bind", a.control.bind, b.control.bind);
  field("control.udp_port", a.control.udp_port, b.control.udp_port);
  field("control.tcp_port", a.control.tcp_port, b.control.tcp_port);
  field("control.framing", a.control.framing, b.control.framing);
  field("control.token", a.control.token, b.control.token);  // the name only, never the value
  field("control.max_tcp_connections", a.control.max_tcp_connections, b.control.max_tcp_connections);
  field("control.idle_timeout_s", a.control.idle_timeout_s, b.control.idle_timeout_s);
  field("control.max_subscribers", a.control.max_subscribers, b.control.max_subscribers);
  field("control.tcp_buffer_bytes", a.control.tcp_buffer_bytes, b.control.tcp_buffer_bytes);
  field("control.auth_failures_per_s", a.control.auth_failures_per_s, b.control.auth_failures_per_s);
  field("control.learn", a.control.learn, b.control.learn);
  field("cc", a.cc, b.cc);
  return d;
}

}  // namespace clara::daemon::test
