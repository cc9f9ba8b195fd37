#include "tools/rehabctl/area_codes.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/rehabctl/paging.h"

namespace rehab::rehabctl {

absl::Status AreaCodes::Load() {
  absl::StatusOr<std::vector<rehab::v1::Area>> areas = ListPages(
      client_, &client::Client::ListAreas, &rehab::v1::ListAreasResponse::areas,
      rehab::v1::ListAreasRequest());
  if (!areas.ok()) return areas.status();
  for (const rehab::v1::Area& area : *areas) ids_[area.code()] = area.id();
  loaded_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> AreaCodes::IdOf(const std::string& code) {
  if (!loaded_) {
    absl::Status status = Load();
    if (!status.ok()) return status;
  }
  std::string key(code);
  absl::StripAsciiWhitespace(&key);
  auto it = ids_.find(key);
  if (it == ids_.end()) {
    return absl::NotFoundError(absl::StrCat("no area with code \"", key, "\""));
  }
  return it->second;
}

}  // namespace rehab::rehabctl
