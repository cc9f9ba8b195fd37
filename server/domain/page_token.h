// Opaque page tokens and page sizes shared by every List method.
#ifndef REHAB_SERVER_DOMAIN_PAGE_TOKEN_H_
#define REHAB_SERVER_DOMAIN_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

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

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_PAGE_TOKEN_H_
