// rehabctl: the administrator's and supervisor's command line for rehabd.
// `rehabctl --help` lists the commands and the exit codes.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tools/rehabctl/commands.h"
#include "tools/rehabctl/exit_codes.h"

namespace {

// Takes the global flags out of `argv`, wherever they stand; the rest is
// the command. False (after a message) for a global flag without its value.
bool SplitGlobalFlags(int argc, char** argv,
                      rehab::rehabctl::GlobalOptions& options, bool& help,
                      std::vector<std::string>& command) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    std::string* value_flag = nullptr;
    std::string name = word;
    std::string value;
    const bool has_value = word.find('=') != std::string::npos;
    if (has_value) {
      name = word.substr(0, word.find('='));
      value = word.substr(word.find('=') + 1);
    }
    if (name == "--server") value_flag = &options.server;
    if (name == "--tls_ca") value_flag = &options.tls_ca;
    if (value_flag != nullptr) {
      if (!has_value) {
        if (i + 1 >= argc) {
          std::cerr << "rehabctl: " << name << " needs a value\n";
          return false;
        }
        value = argv[++i];
      }
      *value_flag = value;
    } else if (word == "--json") {
      options.json = true;
    } else if (word == "--help" || word == "-h" ||
               (command.empty() && word == "help")) {
      help = true;
    } else {
      command.push_back(word);
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  rehab::rehabctl::GlobalOptions options;
  if (const char* server = std::getenv("REHAB_SERVER")) options.server = server;
  bool help = false;
  std::vector<std::string> command;
  if (!SplitGlobalFlags(argc, argv, options, help, command)) {
    return rehab::rehabctl::kExitUsage;
  }
  if (help) {
    std::cout << rehab::rehabctl::HelpText();
    return rehab::rehabctl::kExitOk;
  }
  return rehab::rehabctl::RunCommand(options, command, std::cout, std::cerr);
}
