// Opaque page tokens, page sizes and the trim of a keyset page, shared by
// every List method.
#ifndef REHAB_SERVER_DOMAIN_PAGE_TOKEN_H_
#define REHAB_SERVER_DOMAIN_PAGE_TOKEN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rehab {

inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 1000;

// The page size to use: kDefaultPageSize for 0, capped at kMaxPageSize;
// INVALID_ARGUMENT (field "page_size") when negative.
absl::StatusOr<int32_t> EffectivePageSize(int32_t requested);

// Encodes the key of the last row of a page, bound to `list` (the method's
// name) so that a token of one list is refused by another.
std::string EncodePageToken(const std::string& list, const std::string& key);

// The key inside `token` ("" for an empty token). INVALID_ARGUMENT (field
// "page_token") for a malformed token or one of another list.
absl::StatusOr<std::string> DecodePageToken(const std::string& list,
                                            const std::string& token);

// Keyset paging: a List method reads up to page_size + 1 rows, the extra
// row telling whether another page follows. TrimPage drops that row from
// `rows` and returns the token that resumes after the last row kept,
// EncodePageToken(list, key(rows.back())); "" when there was no extra row
// (the last page). REQUIRES: page_size > 0 (as EffectivePageSize gives).
template <typename Row, typename KeyFn>
std::string TrimPage(std::vector<Row>& rows, int32_t page_size,
                     const std::string& list, KeyFn key) {
  if (static_cast<int32_t>(rows.size()) <= page_size) return "";
  rows.resize(page_size);
  return EncodePageToken(list, key(rows.back()));
}

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_PAGE_TOKEN_H_
