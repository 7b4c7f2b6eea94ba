// clara: Clara's offline tools. Exit codes follow sysexits.h (0 ok, 64 usage,
// 65 bad data, 66 missing input) so scripts can tell a typo from a bad file.
// CLI11 parses the command line and writes every --help.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "clara_version.hpp"
#include "tools/clara/cli.hpp"

int main(int argc, char** argv) {
  using namespace clara::cli;
  CLI::App app("clara: Clara's offline tools.", "clara");
  app.set_version_flag("--version", std::string("clara ") + clara::kVersion, "print the version and exit");
  app.footer(std::string("`clara COMMAND --help` describes a command.\n\n") + kExitCodesHelp);
  app.get_formatter()->column_width(26);
  app.get_formatter()->label("Usage", "usage");  // "usage: clara replay ..." as scripts grep for
  app.require_subcommand(0, 1);
  std::string help_topic;
  app.add_subcommand("help", "list the commands, or describe one")->add_option("COMMAND", help_topic, "a command");

  for (const auto& c : commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    declare(*sub, c.options);
    sub->footer(c.description + "\n" + kExitCodesHelp);
  }

  CLI::App* selected = nullptr;
  try {
    app.parse(argc, argv);
    auto chosen = app.get_subcommands();
    if (!chosen.empty()) selected = chosen.front();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // the help of the (sub)command that was given --help
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    auto chosen = app.get_subcommands();
    const std::string who = chosen.empty() ? "clara" : "clara " + chosen.front()->get_name();
    std::cerr << who << ": " << e.what() << "\n"
              << "run `" << who << " --help` for usage\n";
    return kUsage;
  }
  if (selected != nullptr && selected->get_name() == "help" && !help_topic.empty()) {
    for (const auto* sub : app.get_subcommands([&](const CLI::App* a) { return a->get_name() == help_topic; })) {
      std::cout << sub->help("clara");
      return kOk;
    }
    std::cerr << "clara: unknown command '" << help_topic << "'\n";
    return kUsage;
  }
  if (selected == nullptr || selected->get_name() == "help") {
    // Not app.help(): that describes the chosen subcommand, here `help` itself.
    std::cout << app.get_formatter()->make_help(&app, "clara", CLI::AppFormatMode::Normal);
    return selected == nullptr ? kUsage : kOk;
  }

  for (const auto& c : commands()) {
    if (selected->get_name() != c.name) continue;
    try {
      return c.run(Args(*selected, c.options));
    } catch (const UsageError& e) {
      std::cerr << "clara " << c.name << ": " << e.what() << "\n"
                << "run `clara " << c.name << " --help` for usage\n";
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
  return kSoftware;  // every subcommand is in commands()
}
