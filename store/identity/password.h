// Password hashing with argon2id (libsodium's crypto_pwhash_str, interactive limits).
// Thread-safety: all functions are thread-safe once InitCrypto() has run.
#pragma once

#include <string>
#include <string_view>

namespace xn::store {

// Initialises libsodium. Call once at start; returns false if the library cannot start.
bool InitCrypto();

// An argon2id hash string in the PHC format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
std::string HashPassword(std::string_view password);

// True if PASSWORD matches HASH. Takes the same time for a wrong password as for a right one.
bool VerifyPassword(const std::string& hash, std::string_view password);

// N random bytes, base64url without padding (session tokens, CSRF tokens).
std::string RandomToken(size_t bytes);

// SHA-256 of TEXT as 32 raw bytes (tokens are stored only as their hash).
std::string Sha256(std::string_view text);

}  // namespace xn::store
