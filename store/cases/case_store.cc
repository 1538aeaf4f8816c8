#include "store/cases/case_store.h"

#include "store/cases/codec.h"

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

Error NotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "办件不存在"); }

Result<cases::Case> Parse(const std::string& body, int64_t id) {
  json::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "store.corrupt", "case body unreadable");
  auto c = CaseFromJson(doc);
  if (!c.ok()) return c.error();
  c->id = id;
  return c;
}

std::optional<int64_t> DeadlineMs(const std::optional<cases::LegalClock>& c) {
  if (!c || c->paused) return std::nullopt;
  return ToUnixMillis(c->deadline);
}

Result<std::vector<cases::Case>> Collect(Statement& s) {
  std::vector<cases::Case> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto c = Parse(s.Text(1), s.Int64(0));
    if (!c.ok()) return c.error();
    out.push_back(std::move(*c));
  }
  return out;
}

// The inbox columns: " clerk handler " and " 350582-zjj:handler " (spaces around each entry, so
// a lookup is instr(column, ' entry ')).
std::pair<std::string, std::string> PendingColumns(const cases::Case& c) {
  cases::PendingActors who = cases::WhoMayActNow(c);
  std::string roles = " ", departments = " ";
  for (const auto& r : who.roles) roles += r + " ";
  for (const auto& [d, r] : who.other_departments) departments += d + ":" + r + " ";
  return {roles, departments};
}

json::object EventData(const cases::Outcome& o) {
  json::object d;
  for (const auto& [k, v] : o.event_data) d[k] = v;
  return d;
}

}  // namespace

Result<cases::Case> CaseStore::Create(cases::Case c, const std::string& query_code,
                                      const Actor& actor) {
  return db_.Write<cases::Case>(
      [&](WriteTx& tx) { return CreateIn(tx, std::move(c), query_code, actor); });
}

Result<cases::Case> CaseStore::CreateIn(WriteTx& tx, cases::Case c, const std::string& query_code,
                                        const Actor& actor) {
  {
    // The daily serial: matter code + local date + 4 digits.
    std::string date = calendar::FormatDate(calendar::ShanghaiDate(actor.at));
    std::string prefix = c.matter_code + date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    auto seq = tx.conn().Prepare(
        "INSERT INTO case_numbers(prefix, last) VALUES (?1, 1) "
        "ON CONFLICT(prefix) DO UPDATE SET last = case_numbers.last + 1 RETURNING last");
    if (!seq.ok()) return seq.error();
    (*seq)->Bind(1, std::string_view(prefix));
    auto row = (*seq)->Step();
    if (!row.ok()) return row.error();
    int64_t n = (*seq)->Int64(0);
    (*seq)->Reset();
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%04lld", static_cast<long long>(n));
    c.case_no = prefix + suffix;
    c.query_code = query_code;
    c.submitted_at = actor.at;
    c.version = 1;
    auto st = tx.conn().Prepare(
        "INSERT INTO cases(case_no, query_code, matter_version_id, department_id, state, "
        "applicant_code, applicant_user_id, agent_user_id, submitted_at_ms, body, version) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '{}', 1)");
    if (!st.ok()) return st.error();
    Statement& s = **st;
    s.Bind(1, std::string_view(c.case_no)).Bind(2, std::string_view(c.query_code));
    s.Bind(3, c.matter_version_id).Bind(4, c.department_id);
    s.Bind(5, cases::CaseStateName(c.state)).Bind(6, std::string_view(c.applicant_code));
    s.Bind(7, c.applicant_user_id).Bind(8, c.agent_user_id).Bind(9, ToUnixMillis(actor.at));
    if (auto r = s.Run(); !r.ok()) return r.error();
    c.id = tx.conn().LastInsertRowId();
    auto body = tx.conn().Prepare(
        "UPDATE cases SET body = ?2, pending_roles = ?3, pending_departments = ?4 WHERE id = ?1");
    if (!body.ok()) return body.error();
    auto [roles, departments] = PendingColumns(c);
    (*body)->Bind(1, c.id).Bind(2, std::string_view(json::serialize(CaseToJson(c))));
    (*body)->Bind(3, std::string_view(roles)).Bind(4, std::string_view(departments));
    if (auto r = (*body)->Run(); !r.ok()) return r.error();
    json::object data{{"case_no", c.case_no},
                      {"matter_code", c.matter_code},
                      {"matter_version_id", c.matter_version_id},
                      {"department_id", c.department_id},
                      {"channel", cases::ChannelName(c.channel)},
                      {"service_mode", c.service_mode},
                      {"state", cases::CaseStateName(c.state)}};
    auto ev = tx.AppendEvent({ToUnixMillis(actor.at), actor.id, "case.submitted",
                              "case:" + std::to_string(c.id), json::serialize(data)});
    if (!ev.ok()) return ev.error();
    return c;
  }
}

Status CaseStore::ForEachOpen(const std::function<Status(const cases::Case&)>& fn) const {
  int64_t after = 0;
  for (;;) {
    auto batch = db_.Read<std::vector<cases::Case>>([&](Connection& c)
                                                        -> Result<std::vector<cases::Case>> {
      auto st = c.Prepare(
          "SELECT id, body FROM cases WHERE id > ?1 AND state NOT IN "
          "('delivered', 'declined', 'withdrawn', 'revoked') ORDER BY id LIMIT 1000");
      if (!st.ok()) return st.error();
      (*st)->Bind(1, after);
      return Collect(**st);
    });
    if (!batch.ok()) return batch.error();
    for (const cases::Case& c : *batch) {
      if (auto s = fn(c); !s.ok()) return s;
      after = c.id;
    }
    if (batch->size() < 1000) return Ok();
  }
}

Result<cases::Case> CaseStore::Get(int64_t id) const {
  return db_.Read<cases::Case>([&](Connection& c) -> Result<cases::Case> {
    auto st = c.Prepare("SELECT id, body FROM cases WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    return Parse((*st)->Text(1), (*st)->Int64(0));
  });
}

Result<cases::Case> CaseStore::GetByNumber(const std::string& case_no) const {
  return db_.Read<cases::Case>([&](Connection& c) -> Result<cases::Case> {
    auto st = c.Prepare("SELECT id, body FROM cases WHERE case_no = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(case_no));
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    return Parse((*st)->Text(1), (*st)->Int64(0));
  });
}

Result<cases::Case> CaseStore::Apply(const cases::Outcome& o, int64_t expected_version,
                                     const Actor& actor) {
  return db_.Write<cases::Case>(
      [&](WriteTx& tx) { return ApplyIn(tx, o, expected_version, actor); });
}

Result<cases::Case> CaseStore::ApplyIn(WriteTx& tx, const cases::Outcome& o,
                                       int64_t expected_version, const Actor& actor) {
  {
    const cases::Case& c = o.next;
    auto st = tx.conn().Prepare(
        "UPDATE cases SET state = ?3, statutory_deadline_ms = ?4, promised_deadline_ms = ?5, "
        "body = ?6, version = ?7, pending_roles = ?8, pending_departments = ?9 "
        "WHERE id = ?1 AND version = ?2");
    if (!st.ok()) return st.error();
    Statement& s = **st;
    s.Bind(1, c.id).Bind(2, expected_version).Bind(3, cases::CaseStateName(c.state));
    s.Bind(4, DeadlineMs(c.statutory)).Bind(5, DeadlineMs(c.promised));
    s.Bind(6, std::string_view(json::serialize(CaseToJson(c)))).Bind(7, c.version);
    auto [roles, departments] = PendingColumns(c);
    s.Bind(8, std::string_view(roles)).Bind(9, std::string_view(departments));
    if (auto r = s.Run(); !r.ok()) return r.error();
    if (tx.conn().Changes() == 0) {
      return MakeError(ErrorCode::kConflict, "case.concurrent_change",
                       "办件已被他人更新，请刷新后重试");
    }
    auto ev = tx.AppendEvent({ToUnixMillis(actor.at), actor.id, o.event_kind,
                              "case:" + std::to_string(c.id), json::serialize(EventData(o))});
    if (!ev.ok()) return ev.error();
    return c;
  }
}

Result<PageOf<cases::Case>> CaseStore::List(const CaseQuery& q) const {
  using Out = PageOf<cases::Case>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    std::string where =
        " WHERE (CAST(?1 AS BIGINT) IS NULL OR department_id = ?1)"
        " AND (CAST(?2 AS TEXT) IS NULL OR department_id IN (SELECT id FROM departments WHERE "
        "substr(region_code, 1, length(?2)) = ?2))"
        " AND (CAST(?3 AS BIGINT) IS NULL OR applicant_user_id = ?3 OR agent_user_id = ?3)"
        " AND (CAST(?4 AS TEXT) IS NULL OR state = ?4)"
        " AND (CAST(?5 AS TEXT) IS NULL OR instr(case_no, ?5) > 0 OR instr(body, ?5) > 0)"
        " AND (?6 = 0 OR state NOT IN ('delivered', 'declined', 'withdrawn', 'revoked'))";
    auto bind = [&](Statement& s) {
      s.Bind(1, q.department_id).Bind(2, q.region_prefix).Bind(3, q.party_user_id);
      s.Bind(4, q.state).Bind(5, q.q).Bind(6, int64_t{q.open_only});
    };
    Out out;
    auto count = c.Prepare("SELECT COUNT(*) FROM cases" + where);
    if (!count.ok()) return count.error();
    bind(**count);
    if (auto r = (*count)->Step(); !r.ok()) return r.error();
    out.total = (*count)->Int64(0);
    (*count)->Reset();
    auto st = c.Prepare("SELECT id, body FROM cases" + where +
                        " ORDER BY id DESC LIMIT ?7 OFFSET ?8");
    if (!st.ok()) return st.error();
    bind(**st);
    (*st)->Bind(7, int64_t{q.page.page_size});
    (*st)->Bind(8, int64_t{q.page.page - 1} * q.page.page_size);
    auto items = Collect(**st);
    if (!items.ok()) return items.error();
    out.items = std::move(*items);
    return out;
  });
}

Result<PageOf<cases::Case>> CaseStore::Inbox(const InboxQuery& q) const {
  using Out = PageOf<cases::Case>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    // Built from the caller's roles: one test per role on the inbox columns, so the department's
    // cases are walked in deadline order through the index and only a page is decoded.
    std::string own, joint;
    for (size_t i = 0; i < q.roles.size(); ++i) {
      if (!own.empty()) {
        own += " OR ";
        joint += " OR ";
      }
      std::string n = std::to_string(i + 3);
      own += "instr(pending_roles, ' ' || ?" + n + " || ' ') > 0";
      joint += "instr(pending_departments, ' ' || ?2 || ':' || ?" + n + " || ' ') > 0";
    }
    if (own.empty()) return Out{};
    std::string where = " WHERE (department_id = ?1 AND (" + own +
                        ")) OR (pending_departments != ' ' AND (" + joint + "))";
    auto bind = [&](Statement& s) {
      s.Bind(1, q.department_id).Bind(2, std::string_view(q.department_code));
      for (size_t i = 0; i < q.roles.size(); ++i) {
        s.Bind(static_cast<int>(i + 3), std::string_view(q.roles[i]));
      }
    };
    Out out;
    auto count = c.Prepare("SELECT COUNT(*) FROM cases" + where);
    if (!count.ok()) return count.error();
    bind(**count);
    if (auto r = (*count)->Step(); !r.ok()) return r.error();
    out.total = (*count)->Int64(0);
    (*count)->Reset();
    std::string limit = std::to_string(q.roles.size() + 3);
    std::string offset = std::to_string(q.roles.size() + 4);
    auto st = c.Prepare("SELECT id, body FROM cases" + where +
                        " ORDER BY COALESCE(promised_deadline_ms, 9223372036854775807), id"
                        " LIMIT ?" + limit + " OFFSET ?" + offset);
    if (!st.ok()) return st.error();
    bind(**st);
    (*st)->Bind(static_cast<int>(q.roles.size() + 3), int64_t{q.page.page_size});
    (*st)->Bind(static_cast<int>(q.roles.size() + 4),
                int64_t{q.page.page - 1} * q.page.page_size);
    auto items = Collect(**st);
    if (!items.ok()) return items.error();
    out.items = std::move(*items);
    return out;
  });
}

Result<std::optional<int64_t>> CaseStore::KeyProjectAgent(int64_t id) const {
  using Out = std::optional<int64_t>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    auto st = c.Prepare("SELECT agent_user_id FROM key_projects WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return MakeError(ErrorCode::kNotFound, "not_found", "重点项目不存在");
    return (*st)->OptionalInt64(0);
  });
}

Result<std::vector<db::Event>> CaseStore::Events(int64_t case_id) const {
  return db_.Read<std::vector<db::Event>>(
      [&](Connection& c) -> Result<std::vector<db::Event>> {
        auto st = c.Prepare(
            "SELECT seq, at_ms, actor, kind, subject, data FROM events WHERE subject = ?1 "
            "ORDER BY seq");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, std::string_view("case:" + std::to_string(case_id)));
        std::vector<db::Event> out;
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
          out.push_back(std::move(e));
        }
        return out;
      });
}

}  // namespace xn::store
