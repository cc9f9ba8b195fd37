// Areas by their statistical code, as people name them on the command line
// and in import files (the API takes area ids).
#ifndef REHAB_TOOLS_REHABCTL_AREA_CODES_H_
#define REHAB_TOOLS_REHABCTL_AREA_CODES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "rehab/client/client.h"

namespace rehab::rehabctl {

// Reads the caller's areas once (on first use) and answers from memory.
// Not thread-safe.
class AreaCodes {
 public:
  explicit AreaCodes(client::Client& client) : client_(client) {}

  // The id of the area with `code`. NOT_FOUND when the caller sees no such
  // area; the listing's error when the areas cannot be read.
  absl::StatusOr<std::string> IdOf(const std::string& code);

 private:
  absl::Status Load();

  client::Client& client_;
  bool loaded_ = false;
  std::map<std::string, std::string> ids_;  // code -> id
};

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_AREA_CODES_H_
