// The one logging facade of RehabTrack: structured, one line per event.
//
//   log::Info("server_started", {{"listen", address}, {"db", path}});
//
// prints `2026-11-29T13:00:00.123Z info server_started listen=... db=...`
// to stderr. Values with spaces or quotes are quoted. Never log passwords,
// tokens or a patient's identifying fields. Thread-safe.
#ifndef REHAB_SERVER_COMMON_LOG_H_
#define REHAB_SERVER_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace rehab::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

using Field = std::pair<std::string_view, std::string_view>;

// Parses "debug", "info", "warn", "error" or "off".
bool ParseLevel(std::string_view text, Level* level);

// Events below `level` are dropped. Default kInfo.
void SetLevel(Level level);
bool Enabled(Level level);

void Write(Level level, std::string_view event,
           std::initializer_list<Field> fields);

inline void Debug(std::string_view event,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, event, fields);
}
inline void Info(std::string_view event,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(std::string_view event,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, event, fields);
}
inline void Error(std::string_view event,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, fields);
}

}  // namespace rehab::log

#endif  // REHAB_SERVER_COMMON_LOG_H_
