// The event hash: SM3 over a canonical, unambiguous byte encoding of one event.
//
// Canonical encoding (also in docs/architecture.md, "The event chain"):
//
//   prev_hash   32 bytes, the previous event's hash (all zero for seq 1)
//   seq          8 bytes, big-endian
//   at_ms        8 bytes, big-endian, two's complement
//   actor        4-byte big-endian length, then the UTF-8 bytes
//   kind         4-byte big-endian length, then the UTF-8 bytes
//   subject      4-byte big-endian length, then the UTF-8 bytes
//   data         4-byte big-endian length, then the UTF-8 bytes
//
// Fixed widths and length prefixes make the encoding injective: no two different events (or
// different splits of the same bytes between fields) encode to the same input.
#include <openssl/evp.h>

#include <stdexcept>

#include "store/db/database.h"

namespace xn::db {
namespace {

constexpr size_t kHashSize = 32;

// Fetched once: the implicit fetch behind EVP_sm3() would repeat a provider lookup per call.
const EVP_MD* Sm3Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SM3", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL provides no SM3 digest");
  return md;
}

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void AppendField(std::string& out, const std::string& field) {
  AppendBigEndian(out, static_cast<uint32_t>(field.size()), 4);
  out.append(field);
}

}  // namespace

std::array<unsigned char, 32> Sm3(std::string_view bytes) {
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, Sm3Md(), nullptr) != 1 ||
      size != out.size()) {
    throw std::runtime_error("SM3 digest failed");
  }
  return out;
}

std::array<unsigned char, 32> EventHash(const std::string& prev_hash, int64_t seq,
                                        const NewEvent& e) {
  std::string buf;
  buf.reserve(kHashSize + 16 + 16 + e.actor.size() + e.kind.size() + e.subject.size() +
              e.data.size());
  std::string prev = prev_hash.substr(0, kHashSize);
  prev.resize(kHashSize, '\0');
  buf.append(prev);
  AppendBigEndian(buf, static_cast<uint64_t>(seq), 8);
  AppendBigEndian(buf, static_cast<uint64_t>(e.at_ms), 8);
  AppendField(buf, e.actor);
  AppendField(buf, e.kind);
  AppendField(buf, e.subject);
  AppendField(buf, e.data);
  return Sm3(buf);
}

}  // namespace xn::db
