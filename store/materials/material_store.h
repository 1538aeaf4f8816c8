// The materials library: each file kept once per owner (the applicant's credit code or ID
// number) by its SHA-256, and linked to the cases that use it. Attaching a file the owner has
// handed in before reuses the stored one and records where it came from.
//
// Thread-safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/cases/materials.h"
#include "store/identity/identity_store.h"
#include "store/db/database.h"

namespace xn::store {

struct MaterialInfo {
  int64_t id = 0;
  std::string owner_code, name, file_name, media_type, sha256, trust;
  int64_t size_bytes = 0;
  std::optional<int64_t> source_case_id;
  std::string source_case_no;
  std::string created_by;
  Instant created_at;
};

struct CaseMaterial {
  MaterialInfo material;
  std::string requirement;
  bool reused = false;
  Instant attached_at;
};

class MaterialStore {
 public:
  explicit MaterialStore(db::Database& db) : db_(db) {}

  // Stores DATA for OWNER_CODE, or finds the same bytes stored before. *REUSED tells which.
  Result<MaterialInfo> Put(const std::string& owner_code, const std::string& name,
                           const std::string& file_name, const std::string& media_type,
                           std::string_view data, cases::Trust trust,
                           std::optional<int64_t> source_case_id, const Actor& actor,
                           bool* reused);

  Result<MaterialInfo> Get(int64_t id) const;
  Result<std::string> Content(int64_t id) const;
  Result<std::vector<MaterialInfo>> ListByOwner(const std::string& owner_code) const;

  // Links material ID to CASE_ID for REQUIREMENT, with its event. A material used before by
  // another case is marked reused. Errors: kConflict "materials.already_attached".
  Result<CaseMaterial> Attach(int64_t case_id, int64_t material_id,
                              const std::string& requirement, const Actor& actor);
  Result<std::vector<CaseMaterial>> OfCase(int64_t case_id) const;

 private:
  db::Database& db_;
};

std::string Sha256Hex(std::string_view data);

}  // namespace xn::store
