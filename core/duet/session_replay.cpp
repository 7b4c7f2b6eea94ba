#include "core/duet/session_replay.hpp"

#include <memory>
#include <stdexcept>
#include <string>

#include "core/duet/duet_engine.hpp"

namespace clara {

std::vector<int> replay_session(const SessionLog& log, TokenModel& model, const Vocabulary& vocab,
                                const EncodingSpec& spec, std::vector<TimedMessage>* out, const ReplayModels& models) {
  if (!(log.spec == spec))
    throw SessionLogError("replay: the session was recorded with a " + std::string(to_string(log.spec.encoding)) +
                          " spec (" + std::to_string(log.spec.sample_freq) + " steps a quarter, parts " +
                          log.spec.parts.name + ") that differs from the model's");
  // Format-1 logs were all played before the stream put ends where the encoder does (commit
  // 327c571, item 7 of issue 10): they replay with the placement they were played with.
  // (Format 2 came a little earlier, in ef1844e: logs from builds between the two were played
  // with the old placement too, and nothing in them says so; they replay with today's.)
  const EndPlacement placement = log.format_version == 1 ? EndPlacement::frontier : EndPlacement::encoder;
  std::unique_ptr<DuetEngine> engine;
  try {
    engine = std::make_unique<DuetEngine>(model, vocab, spec, log.config, placement);
  } catch (const std::invalid_argument& e) {
    throw SessionLogError(std::string("replay: ") + e.what());
  }
  std::vector<TimedMessage> local;
  std::vector<TimedMessage>& sink = out ? *out : local;
  engine->start(log.origin_ns);
  for (std::size_t i = 0; i < log.inputs.size(); ++i) {
    const DuetInput& in = log.inputs[i];
    engine->commit_until(in.step, sink);
    if (engine->frontier() != in.step)
      throw SessionLogError("replay: input " + std::to_string(i + 1) + " is at step " + std::to_string(in.step) +
                            " but the engine stands at " + std::to_string(engine->frontier()));
    switch (in.kind) {
      case DuetInput::Kind::human: engine->human_at_step(in.msg, in.heard); break;
      case DuetInput::Kind::mode: engine->set_mode(in.mode, sink); break;
      case DuetInput::Kind::tempo: engine->set_tempo(in.bpm); break;
      case DuetInput::Kind::stop: engine->stop(sink); break;
      case DuetInput::Kind::sampler: engine->set_sampler(in.sampler); break;
      case DuetInput::Kind::velocity: engine->set_velocity(in.velocity); break;
      case DuetInput::Kind::instruments: engine->set_instruments(in.human_prefix, in.clara_prefix, sink); break;
      case DuetInput::Kind::reset: engine->reset_context(sink); break;
      case DuetInput::Kind::phrasing: engine->set_phrasing(in.phrasing); break;
      case DuetInput::Kind::choice:
        try {
          engine->choose_phrase(in.phrase_start, in.phrase_end, in.candidate, in.human_p);
        } catch (const std::invalid_argument& e) {
          throw SessionLogError("replay: input " + std::to_string(i + 1) + ": " + e.what());
        }
        break;
      case DuetInput::Kind::model: {
        if (!models)
          throw SessionLogError("replay: input " + std::to_string(i + 1) + " switches to model '" + in.model_name +
                                "' at step " + std::to_string(in.step) + ", and no models were given to load it");
        try {
          engine->swap_model(models(in.model_name, in.model_sha256), 0, 0, in.model_name, in.model_sha256);
        } catch (const SessionLogError&) {
          throw;
        } catch (const std::exception& e) {
          throw SessionLogError("replay: input " + std::to_string(i + 1) + " (step " + std::to_string(in.step) +
                                ", model " + in.model_name + "): " + e.what());
        }
        break;
      }
    }
    if (!out) local.clear();
  }
  engine->commit_until(log.end_step, sink);
  return engine->committed_tokens();
}

}  // namespace clara
