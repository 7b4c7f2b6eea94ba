#include "tools/clara/duet_answer.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "core/duet/duet_engine.hpp"
#include "core/evaluation/passage.hpp"

namespace clara::cli {

DuetAnswer answer_phrase(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec,
                         const GridPiece& piece, const DuetAnswerOptions& options) {
  DuetConfig config;
  config.mode = DuetMode::answer;
  config.beats_per_bar = options.beats_per_bar;
  config.answer_bars =
      std::max(1, static_cast<int>(std::ceil(options.answer_beats / options.beats_per_bar - 1e-9)));
  config.answer_silence_beats = options.silence_beats;
  config.sampler = options.sampler;
  DuetEngine engine(model, vocab, spec, config);  // validates
  engine.start(0);

  // (step, 0 = off before 1 = on at the same step, key): a note ending where another of the
  // same key begins must be released first.
  std::vector<std::tuple<std::int64_t, int, int>> events;
  for (const GridNote& n : piece.notes) {
    if (n.part != 0 || n.start >= options.phrase_steps) continue;
    const int key = spec.range.pitch_of(n.index);
    events.emplace_back(n.start, 1, key);
    events.emplace_back(std::min(n.end(), options.phrase_steps), 0, key);
  }
  std::sort(events.begin(), events.end());
  std::vector<TimedMessage> out;
  std::int64_t last_human = 0;
  for (const auto& [step, on, key] : events) {
    engine.commit_until(step, out);
    const ShortMessage m{static_cast<std::uint8_t>(on ? 0x90 : 0x80),
                         static_cast<std::uint8_t>(key), static_cast<std::uint8_t>(on ? 80 : 0)};
    engine.human_at_step(m, step);
    last_human = step;
  }
  const int sf = spec.sample_freq;
  const auto answer_steps =
      static_cast<std::int64_t>(config.answer_bars) * config.beats_per_bar * sf;
  const auto silence_steps = static_cast<std::int64_t>(std::ceil(options.silence_beats * sf));
  engine.commit_until(last_human + silence_steps + 2 + answer_steps + sf, out);
  engine.stop(out);

  // Clara's messages back into notes on the grid.
  std::vector<Note> played;
  std::map<int, std::vector<std::int64_t>> open;
  const auto step_of = [&](std::int64_t t) { return std::llround(engine.step_at(t)); };
  for (const TimedMessage& m : out) {
    if (m.msg.is_note_on()) {
      open[m.msg.data1].push_back(step_of(m.time_ns));
    } else if (m.msg.is_note_off() && !open[m.msg.data1].empty()) {
      const std::int64_t on = open[m.msg.data1].front();
      open[m.msg.data1].erase(open[m.msg.data1].begin());
      played.push_back(Note{m.msg.data1, static_cast<double>(on) / sf,
                            static_cast<double>(step_of(m.time_ns)) / sf, 80});
    }
  }
  // stop() ended every sounding note, so nothing is left open.
  DuetAnswer answer;
  answer.tokens = engine.committed_tokens().size();
  const double after = static_cast<double>(last_human) / sf;
  double first = -1;
  for (const Note& n : played) {
    if (n.start < after) {
      ++answer.inside_phrase;
    } else if (first < 0 || n.start < first) {
      first = n.start;
    }
  }
  if (first >= 0) {
    std::sort(played.begin(), played.end(), [](const Note& a, const Note& b) {
      return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
    });
    answer.notes = passage(played, first, first + options.answer_beats);
    answer.start_beats = first - after;
  }
  return answer;
}

}  // namespace clara::cli
