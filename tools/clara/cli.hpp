#pragma once
// The `clara` command line: argument parsing, exit codes (sysexits.h values) and
// the error types each command throws so main() maps them to a code.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace clara::cli {

enum ExitCode : int { kOk = 0, kUsage = 64, kDataError = 65, kNoInput = 66, kSoftware = 70, kCantCreate = 73 };

struct UsageError : std::runtime_error { using std::runtime_error::runtime_error; };
struct DataError : std::runtime_error { using std::runtime_error::runtime_error; };
struct NoInputError : std::runtime_error { using std::runtime_error::runtime_error; };

// What a command accepts; `--help` is always accepted.
struct OptionSpec {
  std::set<std::string> valued;  // "--out" takes a value: "--out x" or "--out=x"
  std::set<std::string> flags;   // "--json" takes none
  std::size_t min_positional = 0;
  std::size_t max_positional = 0;
};

class Args {
 public:
  Args(const std::vector<std::string>& argv, const OptionSpec& spec);  // throws UsageError
  bool help() const { return help_; }
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
  bool help_ = false;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

struct Command {
  const char* name;
  const char* summary;
  std::string usage;  // full help text printed by `clara NAME --help`
  OptionSpec options;
  int (*run)(const Args&);
};

// Commands register themselves in commands.cpp's table.
const std::vector<Command>& commands();

}  // namespace clara::cli
