// The organisation and identity repository on SQLite: regions, departments, sections, windows,
// roles, users, sessions, local calendar days, and the audit log (the audit kinds of the event
// log). Every change appends its event in the same transaction (docs/architecture.md).
//
// Validation of input values and access checks happen before these calls (domain/identity and
// the HTTP layer); this class keeps integrity (uniqueness, references) and reports conflicts.
//
// Thread-safety: thread-safe; reads go to the reader pool, writes through the single writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/clock.h"
#include "domain/common/result.h"
#include "domain/identity/identity.h"
#include "store/db/database.h"

namespace xn::store {

struct PageRequest {
  int page = 1;        // 1-based
  int page_size = 20;  // 1..200
};

template <typename T>
struct PageOf {
  std::vector<T> items;
  int64_t total = 0;
};

// Who did a change, and when: stamped on its event.
struct Actor {
  std::string id;  // "user:12", "cli", "demo"
  Instant at;
};

struct Region {
  std::string code;
  std::string name;
  identity::RegionLevel level = identity::RegionLevel::kCounty;
  std::optional<std::string> parent_code;
};

struct Department {
  int64_t id = 0;
  std::string code, name, short_name, region_code;
};

struct Section {
  int64_t id = 0;
  int64_t department_id = 0;
  std::string name;
};

struct Window {
  int64_t id = 0;
  std::string code, name;
  int64_t department_id = 0;
  std::string department_name;
  std::string region_code;  // the department's region
  std::string hall;
  bool active = true;
};

struct User {
  int64_t id = 0;
  std::string username, display_name;
  std::optional<int64_t> department_id, section_id, window_id;
  std::string department_code, department_name;
  std::string region_code;  // the user's own region, or else the department's
  bool active = true;
  int failed_logins = 0;
  std::optional<Instant> locked_until;
  std::vector<identity::RoleDef> roles;
};

struct NewUser {
  std::string username, display_name, password_hash;
  std::optional<int64_t> department_id, section_id, window_id;
  std::optional<std::string> region_code;
};

struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<bool> active;
  std::optional<std::optional<int64_t>> department_id, section_id, window_id;
};

struct StoredRole {
  int64_t id = 0;
  identity::RoleDef def;
};

struct StoredSession {
  int64_t user_id = 0;
  std::string csrf_token;
  Instant created_at;
  Instant last_seen;
};

struct LocalDay {
  std::string date;  // YYYY-MM-DD
  std::string kind;  // holiday | workday
  std::string name, reason;
};

// A page of the audit log, with the username of each "user:<id>" actor ("" for others).
struct AuditPage {
  std::vector<db::Event> items;
  std::vector<std::string> actor_names;
  int64_t total = 0;
};

struct AuditQuery {
  std::optional<std::string> kind_prefix;
  std::optional<std::string> actor;  // "user:<id>", "system", or a username
  std::optional<int64_t> from_ms, to_ms;
  PageRequest page;
};

// The event kinds (by prefix) that make up the audit log.
bool IsAuditKind(std::string_view kind);

class IdentityStore {
 public:
  explicit IdentityStore(db::Database& db) : db_(db) {}

  // Writes the built-in roles that are missing (at start).
  Status EnsureBuiltinRoles(const Actor& actor);

  // Regions.
  Result<std::vector<Region>> ListRegions() const;
  Result<Region> GetRegion(const std::string& code) const;
  Result<Region> CreateRegion(const Region& region, const Actor& actor);
  Result<Region> RenameRegion(const std::string& code, const std::string& name,
                              const Actor& actor);

  // Departments. Errors: kConflict "org.duplicate_code".
  Result<std::vector<Department>> ListDepartments() const;
  Result<Department> GetDepartment(int64_t id) const;
  Result<Department> CreateDepartment(const Department& d, const Actor& actor);
  Result<Department> UpdateDepartment(const Department& d, const Actor& actor);

  Result<std::vector<Section>> ListSections(int64_t department_id) const;
  Result<Section> GetSection(int64_t id) const;
  Result<Section> CreateSection(const Section& s, const Actor& actor);

  // Windows.
  Result<std::vector<Window>> ListWindows() const;
  Result<Window> GetWindow(int64_t id) const;
  Result<Window> CreateWindow(const Window& w, const Actor& actor);
  Result<Window> UpdateWindow(const Window& w, const Actor& actor);

  // Users. Errors: kConflict "identity.duplicate_username".
  Result<std::vector<User>> ListUsers() const;
  Result<User> GetUser(int64_t id) const;
  // The user and its password hash, for login. kNotFound if absent.
  Result<std::pair<User, std::string>> GetUserForLogin(const std::string& username) const;
  Result<User> CreateUser(const NewUser& u, const std::vector<std::string>& role_names,
                          const Actor& actor);
  Result<User> UpdateUser(int64_t id, const UserPatch& patch, const Actor& actor);
  Status SetPassword(int64_t id, const std::string& password_hash, const Actor& actor);
  Status Unlock(int64_t id, const Actor& actor);
  // Replaces the user's roles. Checks the duties do not mix (identity::CheckRoleCombination).
  Result<User> SetUserRoles(int64_t id, const std::vector<std::string>& role_names,
                            const Actor& actor);
  // Records a login attempt's outcome: the new lockout state and the audit event.
  Status RecordLogin(std::optional<int64_t> user_id, const std::string& username,
                     const identity::LoginDecision& decision, const std::string& remote,
                     const Actor& actor);

  // Roles.
  Result<std::vector<StoredRole>> ListRoles() const;
  Result<StoredRole> GetRole(int64_t id) const;
  Result<StoredRole> CreateRole(const identity::RoleDef& role, const Actor& actor);
  Result<StoredRole> UpdateRole(int64_t id, const identity::RoleDef& role, const Actor& actor);

  // Sessions (tokens are stored as their SHA-256).
  Status CreateSession(const std::string& token_hash, const StoredSession& s, const Actor& actor);
  Result<StoredSession> GetSession(const std::string& token_hash) const;
  Status TouchSession(const std::string& token_hash, Instant last_seen);
  Status DeleteSession(const std::string& token_hash, int64_t user_id, const std::string& why,
                       const Actor& actor);
  // Removes every session last seen before IDLE_BEFORE (expired; nobody can use them any more).
  Status PurgeSessions(Instant idle_before);

  // Local calendar days.
  Result<std::vector<LocalDay>> ListLocalDays() const;
  Status AddLocalDay(const LocalDay& day, const Actor& actor);
  Status DeleteLocalDay(const std::string& date, const Actor& actor);

  // Appends an audit-only event (e.g. a denied access) in its own transaction.
  Status AppendAudit(const std::string& kind, const std::string& subject,
                     const std::string& data_json, const Actor& actor);

  Result<AuditPage> ListAudit(const AuditQuery& q) const;

  // True if the store has no users (a new database).
  Result<bool> Empty() const;

 private:
  db::Database& db_;
};

}  // namespace xn::store
