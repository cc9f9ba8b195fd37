// Runs a program of the build (an example app) to its end, the way a user
// runs it from a shell, for tests that judge its output and exit status.
#ifndef REHAB_TESTS_CLIENT_SDK_RUN_PROGRAM_H_
#define REHAB_TESTS_CLIENT_SDK_RUN_PROGRAM_H_

#include <map>
#include <string>
#include <vector>

namespace rehab::testing {

struct ProgramRun {
  int exit_code = -1;  // -1: it did not exit normally (or could not start)
  std::string output;  // stdout and stderr together, in order
};

// Runs `path` with `args`, the test's environment plus `env`, and stdin
// closed.
ProgramRun RunProgram(const std::string& path,
                      const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {});

}  // namespace rehab::testing

#endif  // REHAB_TESTS_CLIENT_SDK_RUN_PROGRAM_H_
