// The power list repository: matters and their versions. An edit is saved as the matter's draft
// version; publishing makes the draft the version in force (the previous one is superseded but
// kept, and cases that started on it keep it). Every change appends its event.
//
// Thread-safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/catalog/catalog.h"
#include "store/identity/identity_store.h"
#include "store/db/database.h"

namespace xn::store {

struct MatterSummary {
  int64_t id = 0;
  std::string code, name;
  catalog::PowerCategory category = catalog::PowerCategory::kLicensing;
  int64_t department_id = 0;
  std::string department_name, region_code;
  std::optional<int32_t> published_version, draft_version;
};

struct MatterVersion {
  int64_t id = 0;  // the version row's id: what a case refers to
  int64_t matter_id = 0;
  int32_t version = 0;
  std::string status;  // draft | published | superseded
  std::string change_note, created_by;
  Instant created_at;
  std::optional<Instant> published_at;
  catalog::MatterDef def;
};

struct MatterQuery {
  std::optional<int64_t> department_id;
  std::optional<catalog::PowerCategory> category;
  std::optional<std::string> q;
  bool published_only = false;
};

class CatalogStore {
 public:
  explicit CatalogStore(db::Database& db) : db_(db) {}

  // Creates a matter with DEF as its draft version 1. Errors: kConflict "catalog.duplicate_code".
  Result<MatterSummary> Create(const catalog::MatterDef& def, const std::string& note,
                               const Actor& actor);
  // Saves DEF as the matter's draft (a new version after the published one, or the existing
  // draft replaced). The code and department cannot change. Errors: kNotFound.
  Result<MatterVersion> SaveDraft(int64_t matter_id, catalog::MatterDef def,
                                  const std::string& note, const Actor& actor);
  // Publishes the draft. Errors: kFailedPrecondition "catalog.no_draft".
  Result<MatterVersion> Publish(int64_t matter_id, const Actor& actor);

  Result<std::vector<MatterSummary>> List(const MatterQuery& q) const;
  Result<MatterSummary> Get(int64_t matter_id) const;
  Result<std::vector<MatterVersion>> Versions(int64_t matter_id) const;
  Result<MatterVersion> Version(int64_t version_id) const;
  // The version in force of the matter with CODE. Errors: kNotFound (unknown or unpublished).
  Result<MatterVersion> PublishedByCode(const std::string& code) const;

 private:
  db::Database& db_;
};

}  // namespace xn::store
