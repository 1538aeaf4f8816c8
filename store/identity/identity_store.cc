#include "store/identity/identity_store.h"

#include <boost/json.hpp>
#include <sstream>

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

std::string Json(const json::object& o) { return json::serialize(o); }

Error NotFound(const std::string& what) {
  return MakeError(ErrorCode::kNotFound, "not_found", what + "不存在");
}

// Turns the generic constraint error of the store into the caller's stable code.
Error Conflict(const Error& e, const std::string& code, const std::string& message,
               const std::string& field) {
  if (e.category == ErrorCode::kConflict) {
    return MakeError(ErrorCode::kConflict, code, message, field);
  }
  return e;
}

Status Append(WriteTx& tx, const Actor& a, std::string kind, std::string subject,
              const json::object& data) {
  auto r = tx.AppendEvent({ToUnixMillis(a.at), a.id, std::move(kind), std::move(subject),
                           Json(data)});
  if (!r.ok()) return r.error();
  return Ok();
}

std::string JoinPermissions(const std::vector<std::string>& p) {
  std::string out;
  for (const auto& s : p) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::vector<std::string> SplitPermissions(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

json::array ToJsonArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

constexpr const char* kRoleColumns = "id, name, title, builtin, duty, scope, permissions";

StoredRole ReadRole(const Statement& st) {
  StoredRole r;
  r.id = st.Int64(0);
  r.def.name = st.Text(1);
  r.def.title = st.Text(2);
  r.def.builtin = st.Int64(3) != 0;
  r.def.duty = identity::ParseDuty(st.Text(4)).value_or(identity::Duty::kBusiness);
  r.def.scope = identity::ParseScope(st.Text(5)).value_or(identity::Scope::kOwn);
  r.def.permissions = SplitPermissions(st.Text(6));
  return r;
}

constexpr const char* kUserSelect =
    "SELECT u.id, u.username, u.display_name, u.department_id, u.section_id, u.window_id, "
    "COALESCE(d.name, ''), COALESCE(u.region_code, d.region_code, ''), u.active, "
    "u.failed_logins, u.locked_until_ms, u.password_hash, COALESCE(d.code, '') "
    "FROM users u LEFT JOIN departments d ON d.id = u.department_id";

User ReadUserRow(const Statement& st) {
  User u;
  u.id = st.Int64(0);
  u.username = st.Text(1);
  u.display_name = st.Text(2);
  u.department_id = st.OptionalInt64(3);
  u.section_id = st.OptionalInt64(4);
  u.window_id = st.OptionalInt64(5);
  u.department_name = st.Text(6);
  u.region_code = st.Text(7);
  u.active = st.Int64(8) != 0;
  u.failed_logins = static_cast<int>(st.Int64(9));
  if (auto ms = st.OptionalInt64(10)) u.locked_until = FromUnixMillis(*ms);
  u.department_code = st.Text(12);
  return u;
}

// Loads every user's roles in one pass and attaches them.
Status AttachRoles(Connection& c, std::vector<User>& users) {
  auto st = c.Prepare(
      "SELECT ur.user_id, r.id, r.name, r.title, r.builtin, r.duty, r.scope, r.permissions "
      "FROM user_roles ur JOIN roles r ON r.id = ur.role_id ORDER BY ur.user_id, r.id");
  if (!st.ok()) return st.error();
  std::unordered_map<int64_t, std::vector<identity::RoleDef>> by_user;
  Statement& s = **st;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    identity::RoleDef d;
    d.name = s.Text(2);
    d.title = s.Text(3);
    d.builtin = s.Int64(4) != 0;
    d.duty = identity::ParseDuty(s.Text(5)).value_or(identity::Duty::kBusiness);
    d.scope = identity::ParseScope(s.Text(6)).value_or(identity::Scope::kOwn);
    d.permissions = SplitPermissions(s.Text(7));
    by_user[s.Int64(0)].push_back(std::move(d));
  }
  for (auto& u : users) {
    if (auto it = by_user.find(u.id); it != by_user.end()) u.roles = it->second;
  }
  return Ok();
}

Result<std::vector<User>> QueryUsers(Connection& c, const std::string& where,
                                     const std::function<void(Statement&)>& bind) {
  auto st = c.Prepare(std::string(kUserSelect) + where + " ORDER BY u.id");
  if (!st.ok()) return st.error();
  Statement& s = **st;
  bind(s);
  std::vector<User> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out.push_back(ReadUserRow(s));
  }
  if (auto r = AttachRoles(c, out); !r.ok()) return r.error();
  return out;
}

Result<User> QueryUser(Connection& c, int64_t id) {
  auto users = QueryUsers(c, " WHERE u.id = ?1", [&](Statement& s) { s.Bind(1, id); });
  if (!users.ok()) return users.error();
  if (users->empty()) return NotFound("用户");
  return std::move(users->front());
}

Result<std::vector<identity::RoleDef>> ResolveRoles(Connection& c,
                                                    const std::vector<std::string>& names,
                                                    std::vector<int64_t>* ids) {
  std::vector<identity::RoleDef> out;
  for (const auto& n : names) {
    auto st = c.Prepare(std::string("SELECT ") + kRoleColumns + " FROM roles WHERE name = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(n));
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) {
      return MakeError(ErrorCode::kInvalidArgument, "identity.unknown_role", "未知角色：" + n,
                       "roles");
    }
    StoredRole r = ReadRole(**st);
    if (ids) ids->push_back(r.id);
    out.push_back(std::move(r.def));
  }
  return out;
}

Status ReplaceRoles(Connection& c, int64_t user_id, const std::vector<int64_t>& role_ids) {
  auto del = c.Prepare("DELETE FROM user_roles WHERE user_id = ?1");
  if (!del.ok()) return del.error();
  if (auto r = (*del)->Bind(1, user_id).Run(); !r.ok()) return r;
  for (int64_t rid : role_ids) {
    auto ins = c.Prepare("INSERT INTO user_roles(user_id, role_id) VALUES (?1, ?2) "
                         "ON CONFLICT DO NOTHING");
    if (!ins.ok()) return ins.error();
    if (auto r = (*ins)->Bind(1, user_id).Bind(2, rid).Run(); !r.ok()) return r;
  }
  return Ok();
}

template <typename T, typename F>
Result<std::vector<T>> QueryAll(Connection& c, const std::string& sql, F read) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.error();
  std::vector<T> out;
  while (true) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out.push_back(read(**st));
  }
  return out;
}

Region ReadRegion(const Statement& s) {
  return Region{s.Text(0), s.Text(1),
                identity::ParseRegionLevel(s.Text(2)).value_or(identity::RegionLevel::kCounty),
                s.OptionalText(3)};
}
Department ReadDepartment(const Statement& s) {
  return Department{s.Int64(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4)};
}
Window ReadWindow(const Statement& s) {
  return Window{s.Int64(0), s.Text(1), s.Text(2), s.Int64(3), s.Text(4),
                s.Text(5),  s.Text(6), s.Int64(7) != 0};
}
constexpr const char* kWindowSelect =
    "SELECT w.id, w.code, w.name, w.department_id, d.name, d.region_code, w.hall, w.active "
    "FROM windows w JOIN departments d ON d.id = w.department_id";

json::object RoleJson(const identity::RoleDef& r) {
  return {{"name", r.name},
          {"title", r.title},
          {"duty", identity::DutyName(r.duty)},
          {"scope", identity::ScopeName(r.scope)},
          {"permissions", ToJsonArray(r.permissions)}};
}

}  // namespace

bool IsAuditKind(std::string_view kind) {
  for (std::string_view p : {"auth.", "user.", "role.", "session.", "org.", "calendar.",
                             "access."}) {
    if (kind.substr(0, p.size()) == p) return true;
  }
  return false;
}

Status IdentityStore::EnsureBuiltinRoles(const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    for (const auto& r : identity::BuiltinRoles()) {
      auto st = tx.conn().Prepare(
          "INSERT INTO roles(name, title, builtin, duty, scope, permissions) "
          "VALUES (?1, ?2, 1, ?3, ?4, ?5) ON CONFLICT(name) DO UPDATE SET title = excluded.title, "
          "duty = excluded.duty, scope = excluded.scope, permissions = excluded.permissions "
          "WHERE roles.builtin = 1 AND (roles.permissions != excluded.permissions OR "
          "roles.scope != excluded.scope OR roles.title != excluded.title)");
      if (!st.ok()) return st.error();
      (*st)->Bind(1, std::string_view(r.name)).Bind(2, std::string_view(r.title));
      (*st)->Bind(3, identity::DutyName(r.duty)).Bind(4, identity::ScopeName(r.scope));
      (*st)->Bind(5, std::string_view(JoinPermissions(r.permissions)));
      if (auto s = (*st)->Run(); !s.ok()) return s;
      if (tx.conn().Changes() > 0) {
        // A built-in role is created on a new database and brought in line with this version's
        // definition on an older one; either way the change is recorded.
        if (auto s = Append(tx, actor, "role.builtin_defined", "role:" + r.name, RoleJson(r));
            !s.ok()) {
          return s;
        }
      }
    }
    return Ok();
  });
}

// ---- Regions ----

Result<std::vector<Region>> IdentityStore::ListRegions() const {
  return db_.Read<std::vector<Region>>([](Connection& c) {
    return QueryAll<Region>(c, "SELECT code, name, level, parent_code FROM regions ORDER BY code",
                            ReadRegion);
  });
}

Result<Region> IdentityStore::GetRegion(const std::string& code) const {
  return db_.Read<Region>([&](Connection& c) -> Result<Region> {
    auto st = c.Prepare("SELECT code, name, level, parent_code FROM regions WHERE code = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(code));
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("行政区划");
    return ReadRegion(**st);
  });
}

Result<Region> IdentityStore::CreateRegion(const Region& region, const Actor& actor) {
  return db_.Write<Region>([&](WriteTx& tx) -> Result<Region> {
    auto st = tx.conn().Prepare(
        "INSERT INTO regions(code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(region.code)).Bind(2, std::string_view(region.name));
    (*st)->Bind(3, identity::RegionLevelName(region.level)).Bind(4, region.parent_code);
    if (auto s = (*st)->Run(); !s.ok()) {
      return Conflict(s.error(), "org.duplicate_code", "行政区划代码已存在", "code");
    }
    json::object data{{"code", region.code}, {"name", region.name},
                      {"level", identity::RegionLevelName(region.level)}};
    if (region.parent_code) data["parent_code"] = *region.parent_code;
    if (auto s = Append(tx, actor, "org.region_created", "region:" + region.code, data); !s.ok()) {
      return s.error();
    }
    return region;
  });
}

Result<Region> IdentityStore::RenameRegion(const std::string& code, const std::string& name,
                                           const Actor& actor) {
  return db_.Write<Region>([&](WriteTx& tx) -> Result<Region> {
    auto st = tx.conn().Prepare("UPDATE regions SET name = ?2 WHERE code = ?1");
    if (!st.ok()) return st.error();
    if (auto s = (*st)->Bind(1, std::string_view(code)).Bind(2, std::string_view(name)).Run();
        !s.ok()) {
      return s.error();
    }
    if (tx.conn().Changes() == 0) return NotFound("行政区划");
    if (auto s = Append(tx, actor, "org.region_updated", "region:" + code, {{"name", name}});
        !s.ok()) {
      return s.error();
    }
    auto q = tx.conn().Prepare("SELECT code, name, level, parent_code FROM regions WHERE code=?1");
    if (!q.ok()) return q.error();
    (*q)->Bind(1, std::string_view(code));
    if (auto row = (*q)->Step(); !row.ok() || !*row) return NotFound("行政区划");
    return ReadRegion(**q);
  });
}

// ---- Departments and sections ----

Result<std::vector<Department>> IdentityStore::ListDepartments() const {
  return db_.Read<std::vector<Department>>([](Connection& c) {
    return QueryAll<Department>(
        c, "SELECT id, code, name, short_name, region_code FROM departments ORDER BY code",
        ReadDepartment);
  });
}

Result<Department> IdentityStore::GetDepartment(int64_t id) const {
  return db_.Read<Department>([&](Connection& c) -> Result<Department> {
    auto st = c.Prepare(
        "SELECT id, code, name, short_name, region_code FROM departments WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("部门");
    return ReadDepartment(**st);
  });
}

Result<Department> IdentityStore::CreateDepartment(const Department& d, const Actor& actor) {
  return db_.Write<Department>([&](WriteTx& tx) -> Result<Department> {
    auto st = tx.conn().Prepare(
        "INSERT INTO departments(code, name, short_name, region_code, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(d.code)).Bind(2, std::string_view(d.name));
    (*st)->Bind(3, std::string_view(d.short_name)).Bind(4, std::string_view(d.region_code));
    (*st)->Bind(5, ToUnixMillis(actor.at));
    if (auto s = (*st)->Run(); !s.ok()) {
      return Conflict(s.error(), "org.duplicate_code", "部门编码已存在", "code");
    }
    Department out = d;
    out.id = tx.conn().LastInsertRowId();
    json::object data{{"code", d.code}, {"name", d.name}, {"region_code", d.region_code}};
    if (auto s = Append(tx, actor, "org.department_created", "department:" + std::to_string(out.id),
                        data);
        !s.ok()) {
      return s.error();
    }
    return out;
  });
}

Result<Department> IdentityStore::UpdateDepartment(const Department& d, const Actor& actor) {
  return db_.Write<Department>([&](WriteTx& tx) -> Result<Department> {
    auto st = tx.conn().Prepare(
        "UPDATE departments SET name = ?2, short_name = ?3 WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, d.id).Bind(2, std::string_view(d.name)).Bind(3, std::string_view(d.short_name));
    if (auto s = (*st)->Run(); !s.ok()) return s.error();
    if (tx.conn().Changes() == 0) return NotFound("部门");
    if (auto s = Append(tx, actor, "org.department_updated", "department:" + std::to_string(d.id),
                        {{"name", d.name}, {"short_name", d.short_name}});
        !s.ok()) {
      return s.error();
    }
    return d;
  });
}

Result<std::vector<Section>> IdentityStore::ListSections(int64_t department_id) const {
  return db_.Read<std::vector<Section>>([&](Connection& c) -> Result<std::vector<Section>> {
    auto st = c.Prepare(
        "SELECT id, department_id, name FROM sections WHERE department_id = ?1 ORDER BY id");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, department_id);
    std::vector<Section> out;
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      out.push_back({(*st)->Int64(0), (*st)->Int64(1), (*st)->Text(2)});
    }
    return out;
  });
}

Result<Section> IdentityStore::GetSection(int64_t id) const {
  return db_.Read<Section>([&](Connection& c) -> Result<Section> {
    auto st = c.Prepare("SELECT id, department_id, name FROM sections WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("股室");
    return Section{(*st)->Int64(0), (*st)->Int64(1), (*st)->Text(2)};
  });
}

Result<Section> IdentityStore::CreateSection(const Section& s, const Actor& actor) {
  return db_.Write<Section>([&](WriteTx& tx) -> Result<Section> {
    auto st = tx.conn().Prepare("INSERT INTO sections(department_id, name) VALUES (?1, ?2)");
    if (!st.ok()) return st.error();
    if (auto r = (*st)->Bind(1, s.department_id).Bind(2, std::string_view(s.name)).Run();
        !r.ok()) {
      return Conflict(r.error(), "org.duplicate_name", "该部门已有同名股室", "name");
    }
    Section out = s;
    out.id = tx.conn().LastInsertRowId();
    if (auto r = Append(tx, actor, "org.section_created", "section:" + std::to_string(out.id),
                        {{"department_id", s.department_id}, {"name", s.name}});
        !r.ok()) {
      return r.error();
    }
    return out;
  });
}

// ---- Windows ----

Result<std::vector<Window>> IdentityStore::ListWindows() const {
  return db_.Read<std::vector<Window>>([](Connection& c) {
    return QueryAll<Window>(c, std::string(kWindowSelect) + " ORDER BY w.code", ReadWindow);
  });
}

Result<Window> IdentityStore::GetWindow(int64_t id) const {
  return db_.Read<Window>([&](Connection& c) -> Result<Window> {
    auto st = c.Prepare(std::string(kWindowSelect) + " WHERE w.id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("窗口");
    return ReadWindow(**st);
  });
}

Result<Window> IdentityStore::CreateWindow(const Window& w, const Actor& actor) {
  auto id = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto st = tx.conn().Prepare(
        "INSERT INTO windows(code, name, department_id, hall, active) VALUES (?1,?2,?3,?4,?5)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(w.code)).Bind(2, std::string_view(w.name));
    (*st)->Bind(3, w.department_id).Bind(4, std::string_view(w.hall)).Bind(5, int64_t{w.active});
    if (auto s = (*st)->Run(); !s.ok()) {
      return Conflict(s.error(), "org.duplicate_code", "窗口编号已存在", "code");
    }
    int64_t id = tx.conn().LastInsertRowId();
    if (auto s = Append(tx, actor, "org.window_created", "window:" + std::to_string(id),
                        {{"code", w.code}, {"name", w.name}, {"department_id", w.department_id},
                         {"hall", w.hall}});
        !s.ok()) {
      return s.error();
    }
    return id;
  });
  if (!id.ok()) return id.error();
  return GetWindow(*id);
}

Result<Window> IdentityStore::UpdateWindow(const Window& w, const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare("UPDATE windows SET name=?2, hall=?3, active=?4 WHERE id=?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, w.id).Bind(2, std::string_view(w.name)).Bind(3, std::string_view(w.hall));
    (*st)->Bind(4, int64_t{w.active});
    if (auto s = (*st)->Run(); !s.ok()) return s;
    if (tx.conn().Changes() == 0) return NotFound("窗口");
    return Append(tx, actor, "org.window_updated", "window:" + std::to_string(w.id),
                  {{"name", w.name}, {"hall", w.hall}, {"active", w.active}});
  });
  if (!done.ok()) return done.error();
  return GetWindow(w.id);
}

// ---- Users ----

Result<std::vector<User>> IdentityStore::ListUsers() const {
  return db_.Read<std::vector<User>>(
      [](Connection& c) { return QueryUsers(c, "", [](Statement&) {}); });
}

Result<User> IdentityStore::GetUser(int64_t id) const {
  return db_.Read<User>([&](Connection& c) { return QueryUser(c, id); });
}

Result<std::pair<User, std::string>> IdentityStore::GetUserForLogin(
    const std::string& username) const {
  using Out = std::pair<User, std::string>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    auto st = c.Prepare(std::string(kUserSelect) + " WHERE u.username = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(username));
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("用户");
    std::vector<User> one{ReadUserRow(**st)};
    std::string hash = (*st)->Text(11);
    if (auto s = AttachRoles(c, one); !s.ok()) return s.error();
    return Out{std::move(one.front()), std::move(hash)};
  });
}

Result<User> IdentityStore::CreateUser(const NewUser& u, const std::vector<std::string>& role_names,
                                       const Actor& actor) {
  auto id = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    std::vector<int64_t> role_ids;
    auto roles = ResolveRoles(tx.conn(), role_names, &role_ids);
    if (!roles.ok()) return roles.error();
    if (auto s = identity::CheckRoleCombination(*roles); !s.ok()) return s.error();
    auto st = tx.conn().Prepare(
        "INSERT INTO users(username, display_name, password_hash, department_id, section_id, "
        "window_id, region_code, password_changed_at_ms, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    if (!st.ok()) return st.error();
    Statement& s = **st;
    s.Bind(1, std::string_view(u.username)).Bind(2, std::string_view(u.display_name));
    s.Bind(3, std::string_view(u.password_hash)).Bind(4, u.department_id).Bind(5, u.section_id);
    s.Bind(6, u.window_id).Bind(7, u.region_code).Bind(8, ToUnixMillis(actor.at));
    if (auto r = s.Run(); !r.ok()) {
      return Conflict(r.error(), "identity.duplicate_username", "用户名已存在", "username");
    }
    int64_t id = tx.conn().LastInsertRowId();
    if (auto r = ReplaceRoles(tx.conn(), id, role_ids); !r.ok()) return r.error();
    json::object data{{"username", u.username},
                      {"display_name", u.display_name},
                      {"roles", ToJsonArray(role_names)}};
    if (u.department_id) data["department_id"] = *u.department_id;
    if (auto r = Append(tx, actor, "user.created", "user:" + std::to_string(id), data); !r.ok()) {
      return r.error();
    }
    return id;
  });
  if (!id.ok()) return id.error();
  return GetUser(*id);
}

Result<User> IdentityStore::UpdateUser(int64_t id, const UserPatch& p, const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    json::object data;
    auto set_text = [&](const char* col, const std::string& v) -> Status {
      auto st = tx.conn().Prepare(std::string("UPDATE users SET ") + col + " = ?2 WHERE id = ?1");
      if (!st.ok()) return st.error();
      return (*st)->Bind(1, id).Bind(2, std::string_view(v)).Run();
    };
    auto set_int = [&](const char* col, std::optional<int64_t> v) -> Status {
      auto st = tx.conn().Prepare(std::string("UPDATE users SET ") + col + " = ?2 WHERE id = ?1");
      if (!st.ok()) return st.error();
      return (*st)->Bind(1, id).Bind(2, v).Run();
    };
    auto exists = tx.conn().Prepare("SELECT 1 FROM users WHERE id = ?1");
    if (!exists.ok()) return exists.error();
    (*exists)->Bind(1, id);
    if (auto row = (*exists)->Step(); !row.ok() || !*row) return NotFound("用户");
    if (p.display_name) {
      if (auto s = set_text("display_name", *p.display_name); !s.ok()) return s;
      data["display_name"] = *p.display_name;
    }
    if (p.active) {
      if (auto s = set_int("active", int64_t{*p.active}); !s.ok()) return s;
      data["active"] = *p.active;
    }
    auto opt_json = [](const std::optional<int64_t>& v) -> json::value {
      return v ? json::value(*v) : json::value(nullptr);
    };
    if (p.department_id) {
      if (auto s = set_int("department_id", *p.department_id); !s.ok()) {
        return Conflict(s.error(), "org.unknown_department", "部门不存在", "department_id");
      }
      data["department_id"] = opt_json(*p.department_id);
    }
    if (p.section_id) {
      if (auto s = set_int("section_id", *p.section_id); !s.ok()) {
        return Conflict(s.error(), "org.unknown_section", "股室不存在", "section_id");
      }
      data["section_id"] = opt_json(*p.section_id);
    }
    if (p.window_id) {
      if (auto s = set_int("window_id", *p.window_id); !s.ok()) {
        return Conflict(s.error(), "org.unknown_window", "窗口不存在", "window_id");
      }
      data["window_id"] = opt_json(*p.window_id);
    }
    return Append(tx, actor, "user.updated", "user:" + std::to_string(id), data);
  });
  if (!done.ok()) return done.error();
  return GetUser(id);
}

Status IdentityStore::SetPassword(int64_t id, const std::string& hash, const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "UPDATE users SET password_hash = ?2, password_changed_at_ms = ?3, failed_logins = 0, "
        "locked_until_ms = NULL WHERE id = ?1");
    if (!st.ok()) return st.error();
    if (auto s = (*st)->Bind(1, id).Bind(2, std::string_view(hash))
                     .Bind(3, ToUnixMillis(actor.at)).Run();
        !s.ok()) {
      return s;
    }
    if (tx.conn().Changes() == 0) return NotFound("用户");
    return Append(tx, actor, "user.password_reset", "user:" + std::to_string(id), {});
  });
}

Status IdentityStore::Unlock(int64_t id, const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = ?1");
    if (!st.ok()) return st.error();
    if (auto s = (*st)->Bind(1, id).Run(); !s.ok()) return s;
    if (tx.conn().Changes() == 0) return NotFound("用户");
    return Append(tx, actor, "user.unlocked", "user:" + std::to_string(id), {});
  });
}

Result<User> IdentityStore::SetUserRoles(int64_t id, const std::vector<std::string>& names,
                                         const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    auto exists = tx.conn().Prepare("SELECT 1 FROM users WHERE id = ?1");
    if (!exists.ok()) return exists.error();
    (*exists)->Bind(1, id);
    if (auto row = (*exists)->Step(); !row.ok() || !*row) return NotFound("用户");
    std::vector<int64_t> role_ids;
    auto roles = ResolveRoles(tx.conn(), names, &role_ids);
    if (!roles.ok()) return roles.error();
    if (auto s = identity::CheckRoleCombination(*roles); !s.ok()) return s;
    if (auto s = ReplaceRoles(tx.conn(), id, role_ids); !s.ok()) return s;
    return Append(tx, actor, "user.roles_granted", "user:" + std::to_string(id),
                  {{"roles", ToJsonArray(names)}});
  });
  if (!done.ok()) return done.error();
  return GetUser(id);
}

Status IdentityStore::RecordLogin(std::optional<int64_t> user_id, const std::string& username,
                                  const identity::LoginDecision& d, const std::string& remote,
                                  const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    if (user_id) {
      auto st = tx.conn().Prepare(
          "UPDATE users SET failed_logins = ?2, locked_until_ms = ?3 WHERE id = ?1");
      if (!st.ok()) return st.error();
      std::optional<int64_t> until;
      if (d.next.locked_until) until = ToUnixMillis(*d.next.locked_until);
      if (auto s = (*st)->Bind(1, *user_id).Bind(2, int64_t{d.next.failed_logins})
                       .Bind(3, until).Run();
          !s.ok()) {
        return s;
      }
    }
    const char* kind = d.outcome == identity::LoginOutcome::kSuccess  ? "auth.login_succeeded"
                       : d.outcome == identity::LoginOutcome::kLocked ? "auth.login_refused_locked"
                                                                       : "auth.login_failed";
    json::object data{{"username", username}, {"remote", remote},
                      {"failed_logins", d.next.failed_logins}};
    if (d.next.locked_until) data["locked_until_ms"] = ToUnixMillis(*d.next.locked_until);
    std::string subject = user_id ? "user:" + std::to_string(*user_id) : "username:" + username;
    if (auto s = Append(tx, actor, kind, subject, data); !s.ok()) return s;
    if (d.outcome == identity::LoginOutcome::kBadPassword && d.next.locked_until) {
      return Append(tx, actor, "auth.account_locked", subject, data);
    }
    return Ok();
  });
}

// ---- Roles ----

Result<std::vector<StoredRole>> IdentityStore::ListRoles() const {
  return db_.Read<std::vector<StoredRole>>([](Connection& c) {
    return QueryAll<StoredRole>(
        c, std::string("SELECT ") + kRoleColumns + " FROM roles ORDER BY builtin DESC, id",
        ReadRole);
  });
}

Result<StoredRole> IdentityStore::GetRole(int64_t id) const {
  return db_.Read<StoredRole>([&](Connection& c) -> Result<StoredRole> {
    auto st = c.Prepare(std::string("SELECT ") + kRoleColumns + " FROM roles WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("角色");
    return ReadRole(**st);
  });
}

Result<StoredRole> IdentityStore::CreateRole(const identity::RoleDef& r, const Actor& actor) {
  return db_.Write<StoredRole>([&](WriteTx& tx) -> Result<StoredRole> {
    auto st = tx.conn().Prepare(
        "INSERT INTO roles(name, title, builtin, duty, scope, permissions) "
        "VALUES (?1, ?2, 0, ?3, ?4, ?5)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(r.name)).Bind(2, std::string_view(r.title));
    (*st)->Bind(3, identity::DutyName(r.duty)).Bind(4, identity::ScopeName(r.scope));
    (*st)->Bind(5, std::string_view(JoinPermissions(r.permissions)));
    if (auto s = (*st)->Run(); !s.ok()) {
      return Conflict(s.error(), "identity.duplicate_role", "角色标识已存在", "name");
    }
    StoredRole out{tx.conn().LastInsertRowId(), r};
    if (auto s = Append(tx, actor, "role.created", "role:" + r.name, RoleJson(r)); !s.ok()) {
      return s.error();
    }
    return out;
  });
}

Result<StoredRole> IdentityStore::UpdateRole(int64_t id, const identity::RoleDef& r,
                                             const Actor& actor) {
  return db_.Write<StoredRole>([&](WriteTx& tx) -> Result<StoredRole> {
    auto st = tx.conn().Prepare(
        "UPDATE roles SET title = ?2, duty = ?3, scope = ?4, permissions = ?5 "
        "WHERE id = ?1 AND builtin = 0");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, std::string_view(r.title)).Bind(3, identity::DutyName(r.duty));
    (*st)->Bind(4, identity::ScopeName(r.scope));
    (*st)->Bind(5, std::string_view(JoinPermissions(r.permissions)));
    if (auto s = (*st)->Run(); !s.ok()) return s.error();
    if (tx.conn().Changes() == 0) return NotFound("角色");
    if (auto s = Append(tx, actor, "role.updated", "role:" + r.name, RoleJson(r)); !s.ok()) {
      return s.error();
    }
    return StoredRole{id, r};
  });
}

// ---- Sessions ----

Status IdentityStore::CreateSession(const std::string& token_hash, const StoredSession& s,
                                    const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "INSERT INTO sessions(token_hash, user_id, csrf_token, created_at_ms, last_seen_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?4)");
    if (!st.ok()) return st.error();
    (*st)->BindBlob(1, token_hash.data(), token_hash.size()).Bind(2, s.user_id);
    (*st)->Bind(3, std::string_view(s.csrf_token)).Bind(4, ToUnixMillis(s.created_at));
    return (*st)->Run();
  });
}

Result<StoredSession> IdentityStore::GetSession(const std::string& token_hash) const {
  return db_.Read<StoredSession>([&](Connection& c) -> Result<StoredSession> {
    auto st = c.Prepare(
        "SELECT user_id, csrf_token, created_at_ms, last_seen_ms FROM sessions "
        "WHERE token_hash = ?1");
    if (!st.ok()) return st.error();
    (*st)->BindBlob(1, token_hash.data(), token_hash.size());
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound("会话");
    return StoredSession{(*st)->Int64(0), (*st)->Text(1), FromUnixMillis((*st)->Int64(2)),
                         FromUnixMillis((*st)->Int64(3))};
  });
}

Status IdentityStore::TouchSession(const std::string& token_hash, Instant last_seen) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare("UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1");
    if (!st.ok()) return st.error();
    (*st)->BindBlob(1, token_hash.data(), token_hash.size()).Bind(2, ToUnixMillis(last_seen));
    return (*st)->Run();
  });
}

Status IdentityStore::DeleteSession(const std::string& token_hash, int64_t user_id,
                                    const std::string& why, const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare("DELETE FROM sessions WHERE token_hash = ?1");
    if (!st.ok()) return st.error();
    (*st)->BindBlob(1, token_hash.data(), token_hash.size());
    if (auto s = (*st)->Run(); !s.ok()) return s;
    if (tx.conn().Changes() == 0) return Ok();
    const char* kind = why == "logout" ? "auth.logout" : "session.expired";
    return Append(tx, actor, kind, "user:" + std::to_string(user_id), {{"reason", why}});
  });
}

Status IdentityStore::PurgeSessions(Instant idle_before) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare("DELETE FROM sessions WHERE last_seen_ms < ?1");
    if (!st.ok()) return st.error();
    return (*st)->Bind(1, ToUnixMillis(idle_before)).Run();
  });
}

// ---- Local calendar days ----

Result<std::vector<LocalDay>> IdentityStore::ListLocalDays() const {
  return db_.Read<std::vector<LocalDay>>([](Connection& c) {
    return QueryAll<LocalDay>(
        c, "SELECT date, kind, name, reason FROM calendar_local_days ORDER BY date",
        [](const Statement& s) { return LocalDay{s.Text(0), s.Text(1), s.Text(2), s.Text(3)}; });
  });
}

Status IdentityStore::AddLocalDay(const LocalDay& d, const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "INSERT INTO calendar_local_days(date, kind, name, reason, created_by, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(d.date)).Bind(2, std::string_view(d.kind));
    (*st)->Bind(3, std::string_view(d.name)).Bind(4, std::string_view(d.reason));
    (*st)->Bind(5, std::string_view(actor.id)).Bind(6, ToUnixMillis(actor.at));
    if (auto s = (*st)->Run(); !s.ok()) {
      return Conflict(s.error(), "calendar.duplicate_day", "该日期已有地方调整", "date");
    }
    return Append(tx, actor, "calendar.local_day_added", "calendar:" + d.date,
                  {{"date", d.date}, {"kind", d.kind}, {"name", d.name}, {"reason", d.reason}});
  });
}

Status IdentityStore::DeleteLocalDay(const std::string& date, const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare("DELETE FROM calendar_local_days WHERE date = ?1");
    if (!st.ok()) return st.error();
    if (auto s = (*st)->Bind(1, std::string_view(date)).Run(); !s.ok()) return s;
    if (tx.conn().Changes() == 0) return NotFound("地方调整日");
    return Append(tx, actor, "calendar.local_day_removed", "calendar:" + date, {{"date", date}});
  });
}

Status IdentityStore::AppendAudit(const std::string& kind, const std::string& subject,
                                  const std::string& data_json, const Actor& actor) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto r = tx.AppendEvent({ToUnixMillis(actor.at), actor.id, kind, subject, data_json});
    if (!r.ok()) return r.error();
    return Ok();
  });
}

Result<AuditPage> IdentityStore::ListAudit(const AuditQuery& q) const {
  using Out = AuditPage;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    // The audit kinds are a fixed set of prefixes; the filter is pushed into SQL.
    std::string where =
        " WHERE (kind LIKE 'auth.%' OR kind LIKE 'user.%' OR kind LIKE 'role.%' OR "
        "kind LIKE 'session.%' OR kind LIKE 'org.%' OR kind LIKE 'calendar.%' OR "
        "kind LIKE 'access.%')"
        " AND (CAST(?1 AS TEXT) IS NULL OR kind LIKE ?1 || '%')"
        " AND (CAST(?2 AS TEXT) IS NULL OR actor = ?2 OR actor = (SELECT 'user:' || id FROM users WHERE "
        "username = ?2))"
        " AND (CAST(?3 AS BIGINT) IS NULL OR at_ms >= ?3) AND (CAST(?4 AS BIGINT) IS NULL OR at_ms < ?4)";
    auto bind = [&](Statement& s) {
      s.Bind(1, q.kind_prefix).Bind(2, q.actor).Bind(3, q.from_ms).Bind(4, q.to_ms);
    };
    Out out;
    auto count = c.Prepare("SELECT COUNT(*) FROM events" + where);
    if (!count.ok()) return count.error();
    bind(**count);
    if (auto row = (*count)->Step(); !row.ok()) return row.error();
    out.total = (*count)->Int64(0);
    auto st = c.Prepare(
        "SELECT seq, at_ms, actor, kind, subject, data, (SELECT username FROM users u WHERE "
        "'user:' || u.id = events.actor) FROM events" +
        where + " ORDER BY seq DESC LIMIT ?5 OFFSET ?6");
    if (!st.ok()) return st.error();
    bind(**st);
    (*st)->Bind(5, int64_t{q.page.page_size});
    (*st)->Bind(6, int64_t{(q.page.page - 1)} * q.page.page_size);
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      db::Event e;
      e.seq = (*st)->Int64(0);
      e.at_ms = (*st)->Int64(1);
      e.actor = (*st)->Text(2);
      e.kind = (*st)->Text(3);
      e.subject = (*st)->Text(4);
      e.data = (*st)->Text(5);
      out.items.push_back(std::move(e));
      out.actor_names.push_back((*st)->OptionalText(6).value_or(""));
    }
    return out;
  });
}

Result<bool> IdentityStore::Empty() const {
  return db_.Read<bool>([](Connection& c) -> Result<bool> {
    auto st = c.Prepare("SELECT COUNT(*) FROM users");
    if (!st.ok()) return st.error();
    if (auto row = (*st)->Step(); !row.ok()) return row.error();
    return (*st)->Int64(0) == 0;
  });
}

}  // namespace xn::store
