#include "tools/clara/cli.hpp"

namespace clara::cli {

// Each command lives in <name>_command.cpp and defines one of these.
extern const Command encode_command;
extern const Command decode_command;
extern const Command stats_command;
extern const Command demo_command;
extern const Command ctl_command;
extern const Command plot_command;
extern const Command render_command;
#ifdef CLARA_HAVE_MODEL
extern const Command train_command;
extern const Command generate_command;
extern const Command eval_lm_command;
extern const Command baseline_command;
extern const Command replay_command;
extern const Command coherence_command;
extern const Command train_composer_command;
extern const Command train_critic_command;
extern const Command evaluate_command;
#endif

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      demo_command, encode_command, decode_command, stats_command, ctl_command,
      plot_command, render_command,
#ifdef CLARA_HAVE_MODEL
      train_command,  generate_command, eval_lm_command, baseline_command, replay_command,
      coherence_command, train_composer_command, train_critic_command,
      evaluate_command,
#endif
  };
  return table;
}

}  // namespace clara::cli
