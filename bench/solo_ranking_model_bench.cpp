// The judged-human share of Clara's solo phrases with ranking and without (issue 14;
// docs/evaluation.md): the duet engine in solo mode, driven on a simulated clock without time
// pressure (every phrase ranked), with the shipped model and critic. Each phrase is judged by the
// critic as clarad judges it: the last 512 tokens of the context and the phrase, padded at the
// start with the longest wait early in a session.
//  - ranked: N candidates a phrase, the critic's most human kept (its P(human) is the figure);
//  - unranked: the same engine playing candidate 0 every phrase (what clarad plays without
//    ranking, token for token), each phrase scored by the critic once.
// Usage: solo_ranking_model_bench [MODEL_DIR CRITIC_DIR [SEEDS [SECONDS [CANDIDATES]]]]
// (defaults models/notewise-piano models/critic-notewise-piano 8 30 4). Prints one line per
// run and the totals: phrases, mean P(human), share judged human (P > 0.5).
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/duet/duet_engine.hpp"
#include "core/model/classifier/classifier_files.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/files/model_card.hpp"
#include "core/model/files/model_search.hpp"
#include "core/model/inference/lstm_token_model.hpp"

using namespace clara;

namespace {

struct Tally {
  int phrases = 0, human = 0;
  double sum = 0;
  void add(double p) {
    ++phrases;
    human += p > 0.5;
    sum += p;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string model_dir = argc > 1 ? argv[1] : "models/notewise-piano";
  const std::string critic_dir = argc > 2 ? argv[2] : "models/critic-notewise-piano";
  const int seeds = argc > 3 ? std::atoi(argv[3]) : 8;
  const int seconds = argc > 4 ? std::atoi(argv[4]) : 30;
  const int candidates = argc > 5 ? std::atoi(argv[5]) : 4;
  at::set_num_threads(1);
  const model::LoadedModel loaded = model::load_model_folder(model_dir);
  const EncodingSpec spec = model::encoding_spec_of(loaded.card);
  const model::JudgingModel critic(critic_dir);
  const auto window = static_cast<std::size_t>(critic.card().sample_tokens);
  const int pad = loaded.vocab.id("wait" + std::to_string(spec.max_wait()));
  auto judge = [&](const std::vector<int>& w) {
    std::vector<int> padded(w.size() < window ? window - w.size() : 0, pad);
    padded.insert(padded.end(), w.end() - static_cast<std::ptrdiff_t>(std::min(w.size(), window)), w.end());
    return critic.probabilities({padded}).at(0).at(0);
  };

  Tally ranked_all, plain_all;
  for (int seed = 0; seed < seeds; ++seed) {
    for (const bool ranked : {false, true}) {
      model::LstmTokenModel lm(*loaded.model, model::Precision::fp32);
      DuetConfig c;
      c.mode = DuetMode::solo;
      c.max_late_steps = 0;
      model::apply_card_sampling(loaded.card.sampling, {}, c.sampler);  // as clarad: the card's sampling
      c.sampler.seed = static_cast<std::uint64_t>(seed);
      DuetEngine e(lm, loaded.vocab, spec, c);
      Tally t;
      SoloRanking r;
      r.window = window;
      r.step_ns = 1;  // no time pressure: every phrase is ranked
      if (ranked) {
        r.candidates = candidates;
        r.score = judge;
      } else {
        // Two candidates, only candidate 0 scored (the others judged -1): candidate 0 is kept, and
        // it is what the engine plays without ranking.
        r.candidates = 2;
        r.score = [&judge, call = 0](const std::vector<int>& w) mutable {
          return call++ % 2 == 0 ? judge(w) : -1.0;
        };
      }
      e.set_solo_ranking(r);
      e.start(0);
      std::vector<TimedMessage> out;
      for (std::int64_t ms = 0; ms < std::int64_t{seconds} * 1000; ms += 5) {
        e.advance(ms * 1'000'000, out);
        out.clear();
      }
      e.stop(out);
      // Each phrase's choice is logged with its P(human) (unranked: candidate 0's); only the
      // phrases committed before the stop count (one ranked ahead of it is never played).
      for (const DuetInput& in : e.log())
        if (in.kind == DuetInput::Kind::choice && in.phrase_end <= e.frontier()) {
          if (!ranked && in.candidate != 0) return std::fprintf(stderr, "unranked run kept candidate %d\n", in.candidate), 1;
          t.add(in.human_p);
        }
      std::printf("seed %d %-8s phrases %3d  mean P(human) %.3f  judged human %3d (%.0f%%)  tokens %zu\n", seed,
                  ranked ? "ranked" : "unranked", t.phrases, t.phrases ? t.sum / t.phrases : 0.0, t.human,
                  t.phrases ? 100.0 * t.human / t.phrases : 0.0, e.committed_tokens().size());
      std::fflush(stdout);
      Tally& all = ranked ? ranked_all : plain_all;
      all.phrases += t.phrases;
      all.human += t.human;
      all.sum += t.sum;
    }
  }
  for (const bool ranked : {false, true}) {
    const Tally& a = ranked ? ranked_all : plain_all;
    std::printf("%-8s (%s): %d phrases, mean P(human) %.3f, judged human (P > 0.5) %d = %.1f%%\n",
                ranked ? "ranked" : "unranked", ranked ? (std::to_string(candidates) + " candidates").c_str() : "1",
                a.phrases, a.phrases ? a.sum / a.phrases : 0.0, a.human, a.phrases ? 100.0 * a.human / a.phrases : 0.0);
  }
  return 0;
}
