// The key project repository (重点项目, 代办): an investment project whose approvals are tracked
// together under one assigned proxy agent. The project's cases are the cases whose JSON body
// names it (key_project_id, indexed by migration 3); this store reads them for the project's
// one view of where each approval stands.
//
// Access checks (who may create, who may see which project) happen in the HTTP layer; this
// class keeps integrity (unique code, known agent) and appends "key_project.created".
//
// Thread-safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/cases/case.h"
#include "store/identity/identity_store.h"
#include "store/db/database.h"

namespace xn::store {

struct KeyProject {
  int64_t id = 0;
  std::string code, name;
  std::string enterprise_code;  // unified social credit code
  std::string enterprise_name;
  int64_t investment_fen = 0;
  std::optional<int64_t> agent_user_id;
  std::string agent_name;  // display name, "" without an agent
  // Where the agent works: their department (the service center) and region. A project is seen
  // by supervisors of that region and by the head of that department.
  std::optional<int64_t> agent_department_id;
  std::string region_code;
  Instant created_at;
};

struct KeyProjectQuery {
  std::optional<int64_t> agent_user_id;
  std::optional<int64_t> agent_department_id;
  std::optional<std::string> region_prefix;  // the agent's region code starts so
};

class KeyProjectStore {
 public:
  explicit KeyProjectStore(db::Database& db) : db_(db) {}

  // Stores P (id, names and created_at are set here). Errors: kConflict
  // "key_projects.duplicate_code" (field "code").
  Result<KeyProject> Create(const KeyProject& p, const Actor& actor);
  static Result<int64_t> CreateIn(db::WriteTx& tx, const KeyProject& p, const Actor& actor);

  Result<KeyProject> Get(int64_t id) const;
  // Projects matching Q, newest first.
  Result<std::vector<KeyProject>> List(const KeyProjectQuery& q) const;

  // Every case of project ID, oldest first.
  Result<std::vector<cases::Case>> Cases(int64_t id) const;

 private:
  db::Database& db_;
};

}  // namespace xn::store
