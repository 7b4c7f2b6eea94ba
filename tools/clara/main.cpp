// clara: Clara's offline tools. Exit codes follow sysexits.h (0 ok, 64 usage,
// 65 bad data, 66 missing input) so scripts can tell a typo from a bad file.
#include <iostream>
#include <string>
#include <vector>

#include "tools/clara/cli.hpp"

namespace {

void print_overview() {
  std::cout << "usage: clara COMMAND [OPTIONS]\n\ncommands:\n";
  for (const auto& c : clara::cli::commands())
    std::cout << "  " << c.name << std::string(12 - std::min<std::size_t>(11, std::string(c.name).size()), ' ')
              << c.summary << "\n";
  std::cout << "\n`clara COMMAND --help` describes a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clara::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_overview();
    return kUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_overview();
    return kOk;
  }
  if (args[0] == "--version") {
    std::cout << "clara 0.1.0\n";
    return kOk;
  }
  for (const auto& c : commands()) {
    if (args[0] != c.name) continue;
    try {
      Args parsed(std::vector<std::string>(args.begin() + 1, args.end()), c.options);
      if (parsed.help()) {
        std::cout << c.usage;
        return kOk;
      }
      return c.run(parsed);
    } catch (const UsageError& e) {
      std::cerr << "clara " << c.name << ": " << e.what() << "\n" << c.usage;
      return kUsage;
    } catch (const NoInputError& e) {
      std::cerr << "clara " << c.name << ": " << e.what() << "\n";
      return kNoInput;
    } catch (const DataError& e) {
      std::cerr << "clara " << c.name << ": " << e.what() << "\n";
      return kDataError;
    } catch (const std::exception& e) {
      std::cerr << "clara " << c.name << ": " << e.what() << "\n";
      return kSoftware;
    }
  }
  std::cerr << "clara: unknown command '" << args[0] << "'\n";
  print_overview();
  return kUsage;
}
