// The tokens a logged-in client holds.
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_SESSION_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_SESSION_H_

#include <string>

namespace rehab::client {

// Both tokens are secrets: store them as a password would be stored (a
// file readable only by its owner, the platform's keychain), never log
// them. An empty access token means "not logged in".
struct Session {
  // Sent as `authorization: Bearer <access_token>` on every call; expires
  // (by default after an hour).
  std::string access_token;
  // Exchanged for a new token pair when the access token has expired; spent
  // by that exchange. Empty when the client cannot refresh.
  std::string refresh_token;

  bool logged_in() const { return !access_token.empty(); }

  friend bool operator==(const Session& a, const Session& b) {
    return a.access_token == b.access_token &&
           a.refresh_token == b.refresh_token;
  }
  friend bool operator!=(const Session& a, const Session& b) {
    return !(a == b);
  }
};

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_SESSION_H_
