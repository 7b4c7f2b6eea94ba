// clara plot: a piece as a piano-roll picture, or a training log as curves, in PNG
// or SVG (by the output's extension), drawn by core/render with cairo.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/render/piano_roll.hpp"
#include "core/render/training_curves.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/score_input.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

ImageFormat output_format(const std::string& out) {
  if (auto f = image_format_for(out)) return *f;
  throw UsageError("option --out: '" + out + "': the picture's format comes from its extension, .png or .svg");
}

std::string read_text(const std::string& path) {
  if (!fs::exists(path)) throw NoInputError(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NoInputError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int write_bytes(const std::string& out, const std::string& bytes) {
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (f) f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (f) f.close();
  if (!f) {
    std::cerr << "clara plot: " << out << ": cannot create\n";
    return kCantCreate;
  }
  return kOk;
}

int run(const Args& args) {
  const std::string out = args.require("--out");
  const ImageFormat format = output_format(out);
  const auto log = args.get("--train-log");
  if (log && !args.positional().empty())
    throw UsageError("give a piece or --train-log LOG.csv, not both");
  if (!log && args.positional().empty()) throw UsageError("give a piece (FILE.mid or a token file) or --train-log LOG.csv");

  if (log) {
    TrainingLog parsed;
    try {
      parsed = parse_training_log(read_text(*log), *log);
    } catch (const TrainingLogError& e) {
      throw DataError(e.what());
    }
    TrainingCurvesOptions o;
    o.title = args.get_or("--title", "");
    o.width = static_cast<int>(args.get_int("--width", o.width, 300, 8000));
    const int rc = write_bytes(out, training_curves_image(parsed, o, format));
    if (rc == kOk)
      std::cout << "training curves of " << *log << " (" << parsed.rows.size() << " rows) -> " << out << "\n";
    return rc;
  }

  const std::string input = args.positional()[0];
  const Score score = read_score_input(args, input);
  PianoRollOptions o;
  o.title = args.get_or("--title", fs::path(input).filename().string());
  o.pixels_per_quarter = args.get_double("--pixels-per-quarter", 0, 0, 1000);
  o.pixels_per_key = static_cast<int>(args.get_int("--pixels-per-key", o.pixels_per_key, 3, 40));
  o.target_width = static_cast<int>(args.get_int("--width", o.target_width, 200, 32767));
  const std::string bytes = piano_roll_image(score, o, format);
  const int rc = write_bytes(out, bytes);
  if (rc == kOk) {
    const PianoRollLayout l = piano_roll_layout(score, o);
    std::cout << "piano roll of " << input << " (" << score.parts.size() << " parts, " << score.note_count()
              << " notes, " << l.end << " quarters) -> " << out << " (" << l.width << "x" << l.height << ")\n";
  }
  return rc;
}

OptionSpec options() {
  OptionSpec o;
  o.positional("PIECE", "a MIDI file, or a token file (decoded first; - for standard input)", 0, 1)
      .valued("--out", "FILE.png|FILE.svg", "the picture (required); its extension picks the format")
      .valued("--train-log", "LOG.csv", "draw training curves from this log instead of a piece")
      .valued("--title", "TEXT", "title above the picture (default: the piece's file name; none for logs)")
      .valued("--pixels-per-quarter", "N", "horizontal scale (default: fit about --width)")
      .valued("--pixels-per-key", "N", "row height of one key, 3..40 (default 8)")
      .valued("--width", "PX", "target width (piano roll default 1600, curves 760)");
  add_score_input_options(o);
  return o;
}

}  // namespace

extern const Command plot_command{
    "plot", "a piano-roll picture of a piece, or training curves (PNG or SVG)",
    "A piece (MIDI, or tokens decoded as `clara decode` would) as a piano roll: time across in\n"
    "bars and beats from its time signatures (bar numbers above, metre and tempo changes marked),\n"
    "pitch up with a keyboard and pitch names, one colour per part (a player or an instrument),\n"
    "velocity as opacity, and a legend.\n\n"
    "--train-log LOG.csv draws a training log (train_log.csv from `clara train`) instead: losses,\n"
    "accuracies and the learning rate against tokens seen.\n\n"
    "The format follows --out's extension: .png or .svg.\n",
    options(), run};

}  // namespace clara::cli
