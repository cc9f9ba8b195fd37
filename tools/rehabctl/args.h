// The arguments of one rehabctl command: flags (--name VALUE, --name=VALUE
// or a bare --switch) and positional words.
#ifndef REHAB_TOOLS_REHABCTL_ARGS_H_
#define REHAB_TOOLS_REHABCTL_ARGS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rehab::rehabctl {

// A flag a command accepts.
struct FlagSpec {
  std::string name;  // without the dashes, e.g. "id-number"
  enum Kind { kValue, kRepeated, kSwitch } kind = kValue;
  bool required = false;
};

class Args {
 public:
  // INVALID_ARGUMENT (a usage error) for a flag not in `specs`, a value
  // flag without its value, a switch given a value, a value flag given
  // twice, a required flag missing, or a positional word count outside
  // [min_positional, max_positional].
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& words,
                                    const std::vector<FlagSpec>& specs,
                                    size_t min_positional,
                                    size_t max_positional);

  // The value of a kValue flag; nullopt when absent.
  std::optional<std::string> Get(const std::string& name) const;
  // The value of a kValue flag, or `fallback` when absent.
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  // Every value of a kRepeated flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  // True when a flag (of any kind) was given.
  bool Has(const std::string& name) const { return values_.count(name) > 0; }

  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_ARGS_H_
