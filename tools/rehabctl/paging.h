// Reading a whole list, page after page.
#ifndef REHAB_TOOLS_REHABCTL_PAGING_H_
#define REHAB_TOOLS_REHABCTL_PAGING_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "rehab/client/client.h"

namespace rehab::rehabctl {

// Rows asked for per page.
inline constexpr int64_t kPageSize = 500;

// Calls `method` of `client` with `request` (its filters), following
// next_page_token, and returns the records `items` of every page in the
// server's order: all of them, or the first `limit` when `limit` > 0.
//
//   ListPages(client, &client::Client::ListAreas,
//             &rehab::v1::ListAreasResponse::areas, request);
template <typename Request, typename Response, typename Item>
absl::StatusOr<std::vector<Item>> ListPages(
    client::Client& client,
    absl::StatusOr<Response> (client::Client::*method)(const Request&),
    const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
    Request request, int64_t limit = 0) {
  std::vector<Item> out;
  request.clear_page_token();
  while (true) {
    int64_t page_size = kPageSize;
    if (limit > 0) {
      page_size = std::min<int64_t>(page_size,
                                    limit - static_cast<int64_t>(out.size()));
    }
    request.set_page_size(static_cast<int32_t>(page_size));
    absl::StatusOr<Response> page = (client.*method)(request);
    if (!page.ok()) return page.status();
    for (const Item& item : ((*page).*items)()) {
      if (limit > 0 && static_cast<int64_t>(out.size()) >= limit) break;
      out.push_back(item);
    }
    if (page->next_page_token().empty() ||
        (limit > 0 && static_cast<int64_t>(out.size()) >= limit)) {
      return out;
    }
    request.set_page_token(page->next_page_token());
  }
}

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_PAGING_H_
