#pragma once
// Hashes and encodings over OpenSSL's libcrypto. Pure functions.

#include <string>
#include <string_view>

namespace gpubox {

// Return the raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);
// Return the lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Return the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// Return the decoded bytes, or an empty string when `text` is not valid base64.
std::string base64_decode(std::string_view text);
// Return `n` cryptographically random bytes.
std::string random_bytes(size_t n);

}  // namespace gpubox
