#pragma once
// The `clara` command line: exit codes (sysexits.h values), the error types each
// command throws so main() maps them to a code, and the declarative option list
// each command hands to CLI11 (which parses argv and writes --help).
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace clara::cli {

enum ExitCode : int { kOk = 0, kUsage = 64, kDataError = 65, kNoInput = 66, kSoftware = 70, kCantCreate = 73 };

// Footer of `--help`: what the exit codes mean.
inline constexpr const char* kExitCodesHelp =
    "Exit codes (sysexits.h): 0 ok, 64 usage error, 65 bad data, 66 missing input,\n"
    "70 internal error, 73 cannot create output.";

struct UsageError : std::runtime_error { using std::runtime_error::runtime_error; };
struct DataError : std::runtime_error { using std::runtime_error::runtime_error; };
struct NoInputError : std::runtime_error { using std::runtime_error::runtime_error; };

// What a command accepts; CLI11 adds -h/--help. Options take a value as
// "--out x" or "--out=x"; given twice, the last one counts.
struct OptionSpec {
  struct Option {
    std::string name;   // "--out"
    std::string value;  // "DIR" in the help; empty: a flag that takes no value
    std::string help;
  };
  std::vector<Option> options;
  std::string positional_name;  // "FILE.mid" in the help
  std::string positional_help;
  std::size_t min_positional = 0;
  std::size_t max_positional = 0;

  OptionSpec& valued(std::string name, std::string value, std::string help);
  OptionSpec& flag(std::string name, std::string help);
  OptionSpec& positional(std::string name, std::string help, std::size_t min, std::size_t max);
};

// Declares spec's options and positionals on a CLI11 (sub)command.
void declare(CLI::App& app, const OptionSpec& spec);

// Read-only view of what CLI11 parsed for one command.
class Args {
 public:
  Args() = default;
  Args(const CLI::App& parsed, const OptionSpec& spec);
  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  std::string require(const std::string& name) const;  // UsageError when absent
  // Numeric options: UsageError naming the option when malformed or out of [lo, hi].
  long get_int(const std::string& name, long fallback, long lo, long hi) const;
  double get_double(const std::string& name, double fallback, double lo, double hi) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

struct Command {
  const char* name;
  const char* summary;      // one line, in `clara --help`'s command list
  std::string description;  // prose after the options in `clara NAME --help`
  OptionSpec options;
  int (*run)(const Args&);
};

// Commands register themselves in commands.cpp's table.
const std::vector<Command>& commands();

}  // namespace clara::cli
