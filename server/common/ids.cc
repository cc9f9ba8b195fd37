#include "server/common/ids.h"

#include <sodium.h>

#include <array>
#include <cstdint>

#include "absl/strings/ascii.h"

namespace rehab {
namespace {

std::string Format(std::array<uint8_t, 16> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
}

}  // namespace

std::string NewUuid() {
  EnsureSodium();
  std::array<uint8_t, 16> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return Format(bytes);
}

std::string NameUuid(std::string_view name_space, std::string_view name) {
  EnsureSodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(
      &state, reinterpret_cast<const unsigned char*>(name_space.data()),
      name_space.size());
  const unsigned char separator = 0;
  crypto_hash_sha256_update(&state, &separator, 1);
  crypto_hash_sha256_update(
      &state, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  std::array<uint8_t, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&state, digest.data());
  std::array<uint8_t, 16> bytes;
  for (int i = 0; i < 16; ++i) bytes[i] = digest[i];
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return Format(bytes);
}

bool IsCanonicalUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string CanonicalizeUuid(std::string_view id) {
  std::string lower = absl::AsciiStrToLower(std::string(id));
  return IsCanonicalUuid(lower) ? lower : std::string(id);
}

}  // namespace rehab
