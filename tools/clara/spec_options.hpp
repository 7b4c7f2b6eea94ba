#pragma once
// --encoding / --sample-freq / --parts / --range, shared by every command that
// reads or writes tokens.
#include "core/encoding/encoding_spec.hpp"
#include "tools/clara/cli.hpp"

namespace clara::cli {

void add_spec_options(OptionSpec& spec);
// Spec from the flags, starting from `base` (defaults of the chosen encoding
// when --encoding is given). UsageError on bad values.
EncodingSpec spec_from_args(const Args& args, const EncodingSpec* base = nullptr);
bool has_spec_options(const Args& args);

}  // namespace clara::cli
