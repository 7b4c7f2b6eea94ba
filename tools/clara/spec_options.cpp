#include "tools/clara/spec_options.hpp"

namespace clara::cli {

void add_spec_options(OptionSpec& spec) {
  spec.valued("--encoding", "E", "notewise (default), chordwise or chamber")
      .valued("--sample-freq", "N", "grid steps per quarter note (default 12; chordwise 4)")
      .valued("--parts", "TABLE", "part table: piano, solo_piano (chamber default), string_quartet")
      .valued("--range", "R", "note window: standard (MIDI 33-94, default) or small (45-82)");
}

bool has_spec_options(const Args& args) {
  return args.has("--encoding") || args.has("--sample-freq") || args.has("--parts") || args.has("--range");
}

EncodingSpec spec_from_args(const Args& args, const EncodingSpec* base) {
  EncodingSpec spec = base ? *base : EncodingSpec::defaults(Encoding::notewise);
  try {
    if (auto e = args.get("--encoding")) spec = EncodingSpec::defaults(parse_encoding(*e));
    spec.sample_freq = static_cast<int>(args.get_int("--sample-freq", spec.sample_freq, 1, 960));
    if (auto p = args.get("--parts")) spec.parts = PartTable::by_name(*p);
    if (auto r = args.get("--range")) {
      if (*r == "standard")
        spec.range = NoteRange::standard();
      else if (*r == "small")
        spec.range = NoteRange::small();
      else
        throw UsageError("option --range: '" + *r + "' is not standard or small");
    }
    spec.validate();
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  return spec;
}

}  // namespace clara::cli
