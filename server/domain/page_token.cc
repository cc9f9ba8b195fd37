#include "server/domain/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/errors.h"

namespace rehab {
namespace {

// The format version leads the token, so that a later format can refuse
// (or still read) tokens handed out by this one.
constexpr char kTokenVersion[] = "v1";

// The token's plain text up to the key. The list name is matched whole, so
// a key may hold any bytes, '|' included.
std::string TokenPrefix(const std::string& list) {
  return absl::StrCat(kTokenVersion, "|", list, "|");
}

}  // namespace

absl::StatusOr<int32_t> EffectivePageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidArgumentError("page_size", "must not be negative");
  }
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

// A token is not signed: whatever key a client forges, the list still
// filters by the caller's scope, so a forged token only moves the start of
// the caller's own list.
std::string EncodePageToken(const std::string& list, const std::string& key) {
  std::string token;
  absl::WebSafeBase64Escape(absl::StrCat(TokenPrefix(list), key), &token);
  return token;
}

absl::StatusOr<std::string> DecodePageToken(const std::string& list,
                                            const std::string& token) {
  if (token.empty()) return std::string();
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) {
    return InvalidArgumentError("page_token", "malformed page token");
  }
  const std::string prefix = TokenPrefix(list);
  if (!absl::StartsWith(plain, prefix)) {
    return InvalidArgumentError("page_token", "not a page token of this list");
  }
  return plain.substr(prefix.size());
}

}  // namespace rehab
