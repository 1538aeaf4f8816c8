#include "store/key_projects/key_project_store.h"

#include "store/cases/codec.h"

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

Error NotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "重点项目不存在"); }

// The agent's region: their own, or else their department's (as for every user).
constexpr const char* kSelect =
    "SELECT p.id, p.code, p.name, p.enterprise_code, p.enterprise_name, p.investment_fen, "
    "p.agent_user_id, COALESCE(u.display_name, ''), u.department_id, "
    "COALESCE(u.region_code, d.region_code, ''), p.created_at_ms FROM key_projects p "
    "LEFT JOIN users u ON u.id = p.agent_user_id "
    "LEFT JOIN departments d ON d.id = u.department_id";

KeyProject Read(const Statement& s) {
  KeyProject p;
  p.id = s.Int64(0);
  p.code = s.Text(1);
  p.name = s.Text(2);
  p.enterprise_code = s.Text(3);
  p.enterprise_name = s.Text(4);
  p.investment_fen = s.Int64(5);
  p.agent_user_id = s.OptionalInt64(6);
  p.agent_name = s.Text(7);
  p.agent_department_id = s.OptionalInt64(8);
  p.region_code = s.Text(9);
  p.created_at = FromUnixMillis(s.Int64(10));
  return p;
}

}  // namespace

Result<KeyProject> KeyProjectStore::Create(const KeyProject& p, const Actor& actor) {
  auto id = db_.Write<int64_t>([&](WriteTx& tx) { return CreateIn(tx, p, actor); });
  if (!id.ok()) return id.error();
  return Get(*id);
}

Result<int64_t> KeyProjectStore::CreateIn(WriteTx& tx, const KeyProject& p, const Actor& actor) {
  auto st = tx.conn().Prepare(
      "INSERT INTO key_projects(code, name, enterprise_code, enterprise_name, investment_fen, "
      "agent_user_id, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!st.ok()) return st.error();
  Statement& s = **st;
  s.Bind(1, std::string_view(p.code)).Bind(2, std::string_view(p.name));
  s.Bind(3, std::string_view(p.enterprise_code)).Bind(4, std::string_view(p.enterprise_name));
  s.Bind(5, p.investment_fen).Bind(6, p.agent_user_id).Bind(7, ToUnixMillis(actor.at));
  if (auto r = s.Run(); !r.ok()) {
    if (r.error().category == ErrorCode::kConflict) {
      return MakeError(ErrorCode::kConflict, "key_projects.duplicate_code", "项目编码已存在",
                       "code");
    }
    return r.error();
  }
  int64_t id = tx.conn().LastInsertRowId();
  json::object data{{"code", p.code},
                    {"name", p.name},
                    {"enterprise_code", p.enterprise_code},
                    {"enterprise_name", p.enterprise_name},
                    {"investment_fen", p.investment_fen}};
  data["agent_user_id"] = p.agent_user_id ? json::value(*p.agent_user_id) : json::value(nullptr);
  auto ev = tx.AppendEvent({ToUnixMillis(actor.at), actor.id, "key_project.created",
                            "key_project:" + std::to_string(id), json::serialize(data)});
  if (!ev.ok()) return ev.error();
  return id;
}

Result<KeyProject> KeyProjectStore::Get(int64_t id) const {
  return db_.Read<KeyProject>([&](Connection& c) -> Result<KeyProject> {
    auto st = c.Prepare(std::string(kSelect) + " WHERE p.id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    return Read(**st);
  });
}

Result<std::vector<KeyProject>> KeyProjectStore::List(const KeyProjectQuery& q) const {
  using Out = std::vector<KeyProject>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    auto st = c.Prepare(std::string(kSelect) +
                        " WHERE (CAST(?1 AS BIGINT) IS NULL OR p.agent_user_id = ?1)"
                        " AND (CAST(?2 AS BIGINT) IS NULL OR u.department_id = ?2)"
                        " AND (CAST(?3 AS TEXT) IS NULL OR substr(COALESCE(u.region_code, d.region_code, ''), "
                        "1, length(?3)) = ?3) ORDER BY p.id DESC");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, q.agent_user_id).Bind(2, q.agent_department_id).Bind(3, q.region_prefix);
    Out out;
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      out.push_back(Read(**st));
    }
    return out;
  });
}

Result<std::vector<cases::Case>> KeyProjectStore::Cases(int64_t id) const {
  using Out = std::vector<cases::Case>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    auto st = c.Prepare(
        "SELECT id, body FROM cases WHERE json_extract(body, '$.key_project_id') = ?1 "
        "ORDER BY id");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    Out out;
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      json::error_code ec;
      json::value doc = json::parse((*st)->Text(1), ec);
      if (ec) return MakeError(ErrorCode::kInternal, "store.corrupt", "case body unreadable");
      auto one = CaseFromJson(doc);
      if (!one.ok()) return one.error();
      one->id = (*st)->Int64(0);
      out.push_back(std::move(*one));
    }
    return out;
  });
}

}  // namespace xn::store
