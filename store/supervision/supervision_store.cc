#include "store/supervision/supervision_store.h"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

Error AlertNotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "预警不存在"); }
Error OrderNotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "督办单不存在"); }

Status Append(WriteTx& tx, const Actor& a, const std::string& kind, const std::string& subject,
              const json::object& data) {
  auto r = tx.AppendEvent({ToUnixMillis(a.at), a.id, kind, subject, json::serialize(data)});
  if (!r.ok()) return r.error();
  return Ok();
}

json::value OptInt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// Runs a one-row-per-item query and collects the rows.
template <typename T, typename Bind, typename ReadRow>
Result<std::vector<T>> Collect(Connection& c, const std::string& sql, Bind bind, ReadRow read) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.error();
  bind(**st);
  std::vector<T> out;
  for (;;) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out.push_back(read(**st));
  }
  return out;
}

Result<int64_t> CountOf(Connection& c, const std::string& sql,
                        const std::function<void(Statement&)>& bind) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.error();
  bind(**st);
  auto row = (*st)->Step();
  if (!row.ok()) return row.error();
  const int64_t n = *row ? (*st)->Int64(0) : 0;
  (*st)->Reset();
  return n;
}

// Notifies USERS of something in-app, and offers each notification to the webhook.
Status Notify(WriteTx& tx, const std::vector<int64_t>& users, const std::string& title,
              const std::string& body, std::optional<int64_t> alert_id,
              std::optional<int64_t> order_id, const json::object& extra, Instant at) {
  for (int64_t user : users) {
    auto st = tx.conn().Prepare(
        "INSERT INTO notifications(user_id, title, body, alert_id, order_id, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, user).Bind(2, std::string_view(title)).Bind(3, std::string_view(body));
    (*st)->Bind(4, alert_id).Bind(5, order_id).Bind(6, ToUnixMillis(at));
    if (auto r = (*st)->Run(); !r.ok()) return r;
    const int64_t id = tx.conn().LastInsertRowId();
    json::object payload = extra;
    payload["notification_id"] = id;
    payload["user_id"] = user;
    payload["title"] = title;
    payload["body"] = body;
    payload["created_at_ms"] = ToUnixMillis(at);
    auto out = tx.conn().Prepare(
        "INSERT INTO webhook_outbox(payload, created_at_ms) VALUES (?1, ?2)");
    if (!out.ok()) return out.error();
    (*out)->Bind(1, std::string_view(json::serialize(payload))).Bind(2, ToUnixMillis(at));
    if (auto r = (*out)->Run(); !r.ok()) return r;
  }
  return Ok();
}

constexpr const char* kAlertSelect =
    "SELECT a.id, a.rule_id, a.rule_name, a.rule_version, a.level, a.target, a.item, a.case_id, "
    "a.department_id, a.matter_code, a.moment_ms, a.raised_at_ms, a.explain_by_ms, a.state, "
    "a.message, a.explanation, a.reply, a.replied_by, a.replied_at_ms, a.order_id, "
    "COALESCE(c.case_no, ''), COALESCE(d.name, ''), COALESCE(v.name, '') FROM alerts a "
    "LEFT JOIN cases c ON c.id = a.case_id "
    "LEFT JOIN matter_versions v ON v.id = c.matter_version_id "
    "LEFT JOIN departments d ON d.id = a.department_id";

Alert ReadAlert(const Statement& s) {
  Alert a;
  a.id = s.Int64(0);
  a.rule_id = s.Text(1);
  a.rule_name = s.Text(2);
  a.rule_version = s.Int64(3);
  a.level = s.Text(4);
  a.target = s.Text(5);
  a.item = s.Text(6);
  a.case_id = s.OptionalInt64(7);
  a.department_id = s.OptionalInt64(8);
  a.matter_code = s.Text(9);
  a.moment = FromUnixMillis(s.Int64(10));
  a.raised_at = FromUnixMillis(s.Int64(11));
  if (auto v = s.OptionalInt64(12)) a.explain_by = FromUnixMillis(*v);
  a.state = s.Text(13);
  a.message = s.Text(14);
  a.explanation = s.Text(15);
  a.reply = s.OptionalText(16);
  a.replied_by = s.OptionalInt64(17);
  if (auto v = s.OptionalInt64(18)) a.replied_at = FromUnixMillis(*v);
  a.order_id = s.OptionalInt64(19);
  a.case_no = s.Text(20);
  a.department_name = s.Text(21);
  a.matter_name = s.Text(22);
  return a;
}

constexpr const char* kOrderSelect =
    "SELECT o.id, o.order_no, o.level, o.state, o.case_id, o.alert_id, o.department_id, "
    "o.reason, o.opened_by, o.opened_at_ms, o.deadline_ms, o.reply, o.replied_by, "
    "o.replied_at_ms, o.verification, o.verified_by, o.verified_at_ms, o.parent_id, "
    "COALESCE(c.case_no, ''), COALESCE(d.name, '') FROM supervision_orders o "
    "LEFT JOIN cases c ON c.id = o.case_id "
    "LEFT JOIN departments d ON d.id = o.department_id";

Order ReadOrder(const Statement& s) {
  Order o;
  o.id = s.Int64(0);
  o.order_no = s.Text(1);
  o.level = s.Text(2);
  o.state = s.Text(3);
  o.case_id = s.OptionalInt64(4);
  o.alert_id = s.OptionalInt64(5);
  o.department_id = s.Int64(6);
  o.reason = s.Text(7);
  o.opened_by = s.Text(8);
  o.opened_at = FromUnixMillis(s.Int64(9));
  o.deadline = FromUnixMillis(s.Int64(10));
  o.reply = s.OptionalText(11);
  o.replied_by = s.OptionalInt64(12);
  if (auto v = s.OptionalInt64(13)) o.replied_at = FromUnixMillis(*v);
  o.verification = s.OptionalText(14);
  o.verified_by = s.OptionalInt64(15);
  if (auto v = s.OptionalInt64(16)) o.verified_at = FromUnixMillis(*v);
  o.parent_id = s.OptionalInt64(17);
  o.case_no = s.Text(18);
  o.department_name = s.Text(19);
  return o;
}

Result<Alert> GetAlertOn(Connection& c, int64_t id) {
  auto rows = Collect<Alert>(
      c, std::string(kAlertSelect) + " WHERE a.id = ?1", [&](Statement& s) { s.Bind(1, id); },
      ReadAlert);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return AlertNotFound();
  return (*rows)[0];
}

Result<Order> GetOrderOn(Connection& c, int64_t id) {
  auto rows = Collect<Order>(
      c, std::string(kOrderSelect) + " WHERE o.id = ?1", [&](Statement& s) { s.Bind(1, id); },
      ReadOrder);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return OrderNotFound();
  return (*rows)[0];
}

// "DB-YYYYMMDD-NNNN": the local date of opening and a daily number.
std::string OrderNumber(Instant at, int64_t n) {
  const std::time_t t = ToUnixMillis(at) / 1000 + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "DB-%04d%02d%02d-%04lld", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, static_cast<long long>(n));
  return buf;
}

std::string LevelTitle(const std::string& level) {
  if (level == "red") return "红牌";
  if (level == "yellow") return "黄牌";
  if (level == "dossier") return "问责";
  return "提醒";
}

// The WHERE of a scoped list: department, or departments of a region.
void AddScope(std::string& where, std::vector<std::function<void(Statement&, int)>>& binds,
              const char* column, const std::optional<int64_t>& department_id,
              const std::optional<std::string>& region_prefix) {
  if (department_id) {
    where += std::string(" AND ") + column + " = ?" + std::to_string(binds.size() + 1);
    binds.push_back([v = *department_id](Statement& s, int i) { s.Bind(i, v); });
  }
  if (region_prefix) {
    const std::string n = std::to_string(binds.size() + 1);
    where += std::string(" AND ") + column +
             " IN (SELECT id FROM departments WHERE substr(region_code, 1, length(CAST(?" + n +
             " AS TEXT))) = ?" + n + ")";
    binds.push_back([v = *region_prefix](Statement& s, int i) { s.Bind(i, std::string_view(v)); });
  }
}

void AddEq(std::string& where, std::vector<std::function<void(Statement&, int)>>& binds,
           const char* column, const std::optional<std::string>& value) {
  if (!value) return;
  where += std::string(" AND ") + column + " = ?" + std::to_string(binds.size() + 1);
  binds.push_back([v = *value](Statement& s, int i) { s.Bind(i, std::string_view(v)); });
}

void AddCmp(std::string& where, std::vector<std::function<void(Statement&, int)>>& binds,
            const char* expr, const std::optional<int64_t>& value) {
  if (!value) return;
  where += std::string(" AND ") + expr + " ?" + std::to_string(binds.size() + 1);
  binds.push_back([v = *value](Statement& s, int i) { s.Bind(i, v); });
}

// One page of a filtered list: the total under WHERE, and the page's rows of SELECT (which ends
// with its FROM and joins; TABLE is the counted table with its alias) newest id first.
template <typename T, typename ReadRow>
Result<PageOf<T>> Page(const db::Database& db, const std::string& table,
                       const std::string& select, const std::string& id_column,
                       const std::string& where,
                       const std::vector<std::function<void(Statement&, int)>>& binds,
                       const PageRequest& page, ReadRow read) {
  const int limit_at = static_cast<int>(binds.size()) + 1;
  return db.Read<PageOf<T>>([&](Connection& c) -> Result<PageOf<T>> {
    auto bind_all = [&](Statement& s) {
      for (size_t i = 0; i < binds.size(); ++i) binds[i](s, static_cast<int>(i) + 1);
    };
    auto total = CountOf(c, "SELECT COUNT(*) FROM " + table + where, bind_all);
    if (!total.ok()) return total.error();
    auto items = Collect<T>(
        c,
        select + where + " ORDER BY " + id_column + " DESC LIMIT ?" + std::to_string(limit_at) +
            " OFFSET ?" + std::to_string(limit_at + 1),
        [&](Statement& s) {
          bind_all(s);
          s.Bind(limit_at, static_cast<int64_t>(page.page_size));
          s.Bind(limit_at + 1,
                 static_cast<int64_t>(page.page - 1) * static_cast<int64_t>(page.page_size));
        },
        read);
    if (!items.ok()) return items.error();
    return PageOf<T>{std::move(*items), *total};
  });
}

}  // namespace

// ---- Rule sets ----

Result<StoredRuleSet> SupervisionStore::CurrentRules() const {
  auto all = RuleVersions();
  if (!all.ok()) return all.error();
  if (all->empty()) return MakeError(ErrorCode::kNotFound, "not_found", "尚未保存监察规则");
  return all->front();
}

Result<std::vector<StoredRuleSet>> SupervisionStore::RuleVersions() const {
  return db_.Read<std::vector<StoredRuleSet>>([](Connection& c) {
    return Collect<StoredRuleSet>(
        c,
        "SELECT version, text, note, created_by, created_at_ms FROM rule_sets "
        "ORDER BY version DESC",
        [](Statement&) {},
        [](const Statement& s) {
          return StoredRuleSet{s.Int64(0), s.Text(1), s.Text(2), s.Text(3),
                               FromUnixMillis(s.Int64(4))};
        });
  });
}

Result<StoredRuleSet> SupervisionStore::SaveRules(const std::string& text, const std::string& note,
                                                  const Actor& actor) {
  return db_.Write<StoredRuleSet>([&](WriteTx& tx) -> Result<StoredRuleSet> {
    auto next = CountOf(tx.conn(), "SELECT COALESCE(MAX(version), 0) + 1 FROM rule_sets",
                        [](Statement&) {});
    if (!next.ok()) return next.error();
    auto st = tx.conn().Prepare(
        "INSERT INTO rule_sets(version, text, note, created_by, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, *next).Bind(2, std::string_view(text)).Bind(3, std::string_view(note));
    (*st)->Bind(4, std::string_view(actor.id)).Bind(5, ToUnixMillis(actor.at));
    if (auto r = (*st)->Run(); !r.ok()) return r.error();
    if (auto s = Append(tx, actor, "rules.saved", "rules:" + std::to_string(*next),
                        {{"version", *next}, {"note", note}, {"bytes", text.size()}});
        !s.ok()) {
      return s.error();
    }
    return StoredRuleSet{*next, text, note, actor.id, actor.at};
  });
}

// ---- Alerts ----

Result<std::optional<int64_t>> SupervisionStore::RaiseIn(WriteTx& tx, const NewAlert& a,
                                                         const std::vector<int64_t>& users,
                                                         const Actor& actor) {
  auto st = tx.conn().Prepare(
      "INSERT INTO alerts(rule_id, rule_name, rule_version, level, target, item, case_id, "
      "department_id, matter_code, moment_ms, raised_at_ms, explain_by_ms, state, message, "
      "explanation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'open', ?13, ?14) "
      "ON CONFLICT (rule_id, item, moment_ms) DO NOTHING");
  if (!st.ok()) return st.error();
  Statement& s = **st;
  s.Bind(1, std::string_view(a.rule_id)).Bind(2, std::string_view(a.rule_name));
  s.Bind(3, a.rule_version).Bind(4, std::string_view(a.level)).Bind(5, std::string_view(a.target));
  s.Bind(6, std::string_view(a.item)).Bind(7, a.case_id).Bind(8, a.department_id);
  s.Bind(9, std::string_view(a.matter_code)).Bind(10, ToUnixMillis(a.moment));
  s.Bind(11, ToUnixMillis(actor.at));
  s.Bind(12, a.explain_by ? std::optional<int64_t>(ToUnixMillis(*a.explain_by)) : std::nullopt);
  s.Bind(13, std::string_view(a.message)).Bind(14, std::string_view(a.explanation));
  if (auto r = s.Run(); !r.ok()) return r.error();
  if (tx.conn().Changes() == 0) return std::optional<int64_t>();  // raised before
  auto id = CountOf(tx.conn(),
                    "SELECT id FROM alerts WHERE rule_id = ?1 AND item = ?2 AND moment_ms = ?3",
                    [&](Statement& q) {
                      q.Bind(1, std::string_view(a.rule_id)).Bind(2, std::string_view(a.item));
                      q.Bind(3, ToUnixMillis(a.moment));
                    });
  if (!id.ok()) return id.error();
  json::object data{{"rule_id", a.rule_id},       {"level", a.level},
                    {"item", a.item},             {"moment_ms", ToUnixMillis(a.moment)},
                    {"case_id", OptInt(a.case_id)}, {"department_id", OptInt(a.department_id)},
                    {"rule_version", a.rule_version}};
  if (auto e = Append(tx, actor, "alert.raised", "alert:" + std::to_string(*id), data); !e.ok()) {
    return e.error();
  }
  json::object extra{{"kind", "alert"},     {"alert_id", *id},    {"rule_id", a.rule_id},
                     {"level", a.level},    {"case_id", OptInt(a.case_id)}};
  if (auto n = Notify(tx, users, LevelTitle(a.level) + "预警：" + a.rule_name, a.message, *id,
                      std::nullopt, extra, actor.at);
      !n.ok()) {
    return n.error();
  }
  return std::optional<int64_t>(*id);
}

Result<PageOf<Alert>> SupervisionStore::ListAlerts(const AlertQuery& q) const {
  std::string where = " WHERE 1 = 1";
  std::vector<std::function<void(Statement&, int)>> binds;
  AddScope(where, binds, "a.department_id", q.department_id, q.region_prefix);
  AddEq(where, binds, "a.level", q.level);
  AddEq(where, binds, "a.rule_id", q.rule);
  AddEq(where, binds, "a.state", q.state);
  AddEq(where, binds, "a.matter_code", q.matter_code);
  AddCmp(where, binds, "a.case_id =", q.case_id);
  AddCmp(where, binds, "a.id >", q.after_id);
  AddCmp(where, binds, "a.raised_at_ms >=", q.from_ms);
  AddCmp(where, binds, "a.raised_at_ms <", q.to_ms);
  return Page<Alert>(db_, "alerts a", kAlertSelect, "a.id", where, binds, q.page, ReadAlert);
}

Result<Alert> SupervisionStore::GetAlert(int64_t id) const {
  return db_.Read<Alert>([&](Connection& c) { return GetAlertOn(c, id); });
}

Result<Alert> SupervisionStore::Explain(int64_t id, const std::string& text, int64_t user_id,
                                        const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "UPDATE alerts SET state = 'explained', reply = ?2, replied_by = ?3, replied_at_ms = ?4 "
        "WHERE id = ?1 AND state = 'open'");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, std::string_view(text)).Bind(3, user_id);
    (*st)->Bind(4, ToUnixMillis(actor.at));
    if (auto r = (*st)->Run(); !r.ok()) return r;
    if (tx.conn().Changes() == 0) {
      auto a = GetAlertOn(tx.conn(), id);
      if (!a.ok()) return a.error();
      return MakeError(ErrorCode::kConflict, "alert.state",
                       "该预警当前状态为「" + a->state + "」，不能再作说明");
    }
    return Append(tx, actor, "alert.explained", "alert:" + std::to_string(id), {{"text", text}});
  });
  if (!done.ok()) return done.error();
  return GetAlert(id);
}

Result<Alert> SupervisionStore::Close(int64_t id, const std::string& note, const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "UPDATE alerts SET state = 'closed' WHERE id = ?1 AND state <> 'closed'");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    if (auto r = (*st)->Run(); !r.ok()) return r;
    if (tx.conn().Changes() == 0) {
      auto a = GetAlertOn(tx.conn(), id);
      if (!a.ok()) return a.error();
      return MakeError(ErrorCode::kConflict, "alert.state", "该预警已办结");
    }
    return Append(tx, actor, "alert.closed", "alert:" + std::to_string(id), {{"note", note}});
  });
  if (!done.ok()) return done.error();
  return GetAlert(id);
}

Result<std::vector<CountByLevel>> SupervisionStore::Stats(
    const std::string& by, int64_t from_ms, int64_t to_ms, std::optional<int64_t> department_id,
    std::optional<std::string> region_prefix) const {
  std::string where = " WHERE a.raised_at_ms >= ?1 AND a.raised_at_ms < ?2";
  std::vector<std::function<void(Statement&, int)>> binds;
  binds.push_back([from_ms](Statement& s, int i) { s.Bind(i, from_ms); });
  binds.push_back([to_ms](Statement& s, int i) { s.Bind(i, to_ms); });
  AddScope(where, binds, "a.department_id", department_id, region_prefix);
  std::string key, name, from = " FROM alerts a";
  if (by == "department") {
    key = "CAST(COALESCE(a.department_id, 0) AS TEXT)";
    name = "COALESCE(MAX(d.name), '')";
    from += " LEFT JOIN departments d ON d.id = a.department_id";
  } else if (by == "rule") {
    key = "a.rule_id";
    name = "MAX(a.rule_name)";
  } else {
    // The local date (UTC+8) of raised_at, as days since 1970-01-01; named below.
    key = "CAST((a.raised_at_ms + 28800000) / 86400000 AS TEXT)";
    name = "''";
  }
  const std::string sql = "SELECT " + key + " AS k, " + name +
                          ", SUM(CASE WHEN a.level = 'reminder' THEN 1 ELSE 0 END), "
                          "SUM(CASE WHEN a.level = 'yellow' THEN 1 ELSE 0 END), "
                          "SUM(CASE WHEN a.level = 'red' THEN 1 ELSE 0 END)" +
                          from + where + " GROUP BY k ORDER BY k";
  auto rows = db_.Read<std::vector<CountByLevel>>([&](Connection& c) {
    return Collect<CountByLevel>(
        c, sql,
        [&](Statement& s) {
          for (size_t i = 0; i < binds.size(); ++i) binds[i](s, static_cast<int>(i) + 1);
        },
        [](const Statement& s) {
          return CountByLevel{s.Text(0), s.Text(1), s.Int64(2), s.Int64(3), s.Int64(4)};
        });
  });
  if (!rows.ok() || by != "day") return rows;
  for (CountByLevel& r : *rows) {
    const std::time_t t = static_cast<std::time_t>(std::stoll(r.key)) * 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday);
    r.key = r.name = buf;
  }
  return rows;
}

Result<std::vector<SupervisionStore::DepartmentOpen>> SupervisionStore::OpenByDepartment() const {
  return db_.Read<std::vector<DepartmentOpen>>([](Connection& c)
                                                   -> Result<std::vector<DepartmentOpen>> {
    auto alerts = Collect<DepartmentOpen>(
        c,
        "SELECT department_id, SUM(CASE WHEN level = 'reminder' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN level = 'yellow' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN level = 'red' THEN 1 ELSE 0 END) FROM alerts "
        "WHERE state IN ('open', 'explained', 'ordered') AND department_id IS NOT NULL "
        "GROUP BY department_id",
        [](Statement&) {},
        [](const Statement& s) {
          return DepartmentOpen{s.Int64(0), s.Int64(1), s.Int64(2), s.Int64(3), 0};
        });
    if (!alerts.ok()) return alerts.error();
    auto orders = Collect<std::pair<int64_t, int64_t>>(
        c,
        "SELECT department_id, COUNT(*) FROM supervision_orders "
        "WHERE state IN ('open', 'replied') GROUP BY department_id",
        [](Statement&) {},
        [](const Statement& s) { return std::make_pair(s.Int64(0), s.Int64(1)); });
    if (!orders.ok()) return orders.error();
    for (const auto& [dept, n] : *orders) {
      bool found = false;
      for (DepartmentOpen& d : *alerts) {
        if (d.department_id == dept) {
          d.orders = n;
          found = true;
        }
      }
      if (!found) alerts->push_back(DepartmentOpen{dept, 0, 0, 0, n});
    }
    return alerts;
  });
}

Result<std::vector<SupervisionStore::Lights>> SupervisionStore::CaseLights(
    int64_t now_ms, int64_t yellow_until_ms) const {
  return db_.Read<std::vector<Lights>>([&](Connection& c) {
    return Collect<Lights>(
        c,
        "SELECT department_id, COUNT(*), "
        "SUM(CASE WHEN promised_deadline_ms < ?1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN promised_deadline_ms >= ?1 AND promised_deadline_ms <= ?2 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN promised_deadline_ms IS NULL THEN 1 ELSE 0 END) FROM cases "
        "WHERE state NOT IN ('delivered', 'declined', 'withdrawn', 'revoked') "
        "GROUP BY department_id",
        [&](Statement& s) { s.Bind(1, now_ms).Bind(2, yellow_until_ms); },
        [](const Statement& s) {
          return Lights{s.Int64(0), s.Int64(1), s.Int64(2), s.Int64(3), s.Int64(4)};
        });
  });
}

// ---- Orders ----

Result<Order> SupervisionStore::OpenOrderIn(WriteTx& tx, const NewOrder& o,
                                            const std::vector<int64_t>& users,
                                            const Actor& actor) {
  const int64_t day_start = (ToUnixMillis(actor.at) + 28800000) / 86400000 * 86400000 - 28800000;
  auto today = CountOf(tx.conn(), "SELECT COUNT(*) FROM supervision_orders WHERE opened_at_ms >= ?1",
                       [&](Statement& s) { s.Bind(1, day_start); });
  if (!today.ok()) return today.error();
  const std::string number = OrderNumber(actor.at, *today + 1);
  auto st = tx.conn().Prepare(
      "INSERT INTO supervision_orders(order_no, level, state, case_id, alert_id, department_id, "
      "reason, opened_by, opened_at_ms, deadline_ms, parent_id) "
      "VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!st.ok()) return st.error();
  Statement& s = **st;
  s.Bind(1, std::string_view(number)).Bind(2, std::string_view(o.level)).Bind(3, o.case_id);
  s.Bind(4, o.alert_id).Bind(5, o.department_id).Bind(6, std::string_view(o.reason));
  s.Bind(7, std::string_view(o.opened_by)).Bind(8, ToUnixMillis(actor.at));
  s.Bind(9, ToUnixMillis(o.deadline)).Bind(10, o.parent_id);
  if (auto r = s.Run(); !r.ok()) return r.error();
  const int64_t id = tx.conn().LastInsertRowId();
  if (o.alert_id) {
    auto up = tx.conn().Prepare(
        "UPDATE alerts SET state = 'ordered', order_id = ?2 WHERE id = ?1 AND state <> 'closed'");
    if (!up.ok()) return up.error();
    (*up)->Bind(1, *o.alert_id).Bind(2, id);
    if (auto r = (*up)->Run(); !r.ok()) return r.error();
  }
  json::object data{{"order_no", number},       {"level", o.level},
                    {"case_id", OptInt(o.case_id)}, {"alert_id", OptInt(o.alert_id)},
                    {"department_id", o.department_id}, {"reason", o.reason},
                    {"deadline_ms", ToUnixMillis(o.deadline)}, {"parent_id", OptInt(o.parent_id)}};
  if (auto e = Append(tx, actor, "supervision_order.opened",
                      "supervision_order:" + std::to_string(id), data);
      !e.ok()) {
    return e.error();
  }
  json::object extra{{"kind", "supervision_order"}, {"order_id", id}, {"level", o.level},
                     {"case_id", OptInt(o.case_id)}};
  if (auto n = Notify(tx, users, LevelTitle(o.level) + "督办：" + number, o.reason, o.alert_id,
                      id, extra, actor.at);
      !n.ok()) {
    return n.error();
  }
  auto out = GetOrderOn(tx.conn(), id);
  return out;
}

Result<Order> SupervisionStore::OpenOrder(const NewOrder& order, const std::vector<int64_t>& users,
                                          const Actor& actor) {
  return db_.Write<Order>([&](WriteTx& tx) { return OpenOrderIn(tx, order, users, actor); });
}

Result<PageOf<Order>> SupervisionStore::ListOrders(const OrderQuery& q) const {
  std::string where = " WHERE 1 = 1";
  std::vector<std::function<void(Statement&, int)>> binds;
  AddScope(where, binds, "o.department_id", q.department_id, q.region_prefix);
  AddEq(where, binds, "o.state", q.state);
  AddEq(where, binds, "o.level", q.level);
  AddCmp(where, binds, "o.case_id =", q.case_id);
  return Page<Order>(db_, "supervision_orders o", kOrderSelect, "o.id", where, binds, q.page,
                     ReadOrder);
}

Result<Order> SupervisionStore::GetOrder(int64_t id) const {
  return db_.Read<Order>([&](Connection& c) { return GetOrderOn(c, id); });
}

Result<Order> SupervisionStore::Reply(int64_t id, const std::string& text, int64_t user_id,
                                      const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "UPDATE supervision_orders SET state = 'replied', reply = ?2, replied_by = ?3, "
        "replied_at_ms = ?4 WHERE id = ?1 AND state = 'open'");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, std::string_view(text)).Bind(3, user_id);
    (*st)->Bind(4, ToUnixMillis(actor.at));
    if (auto r = (*st)->Run(); !r.ok()) return r;
    if (tx.conn().Changes() == 0) {
      auto o = GetOrderOn(tx.conn(), id);
      if (!o.ok()) return o.error();
      return MakeError(ErrorCode::kConflict, "supervision_order.state",
                       "该督办单当前状态为「" + o->state + "」，不能回复");
    }
    return Append(tx, actor, "supervision_order.replied",
                  "supervision_order:" + std::to_string(id), {{"text", text}});
  });
  if (!done.ok()) return done.error();
  return GetOrder(id);
}

Result<Order> SupervisionStore::Verify(int64_t id, bool accepted, const std::string& note,
                                       int64_t user_id, const Actor& actor) {
  auto done = db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        accepted ? "UPDATE supervision_orders SET state = 'verified', verification = ?2, "
                   "verified_by = ?3, verified_at_ms = ?4 WHERE id = ?1 AND state = 'replied'"
                 : "UPDATE supervision_orders SET state = 'open', verification = ?2, "
                   "verified_by = ?3, verified_at_ms = ?4 WHERE id = ?1 AND state = 'replied'");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, std::string_view(note)).Bind(3, user_id);
    (*st)->Bind(4, ToUnixMillis(actor.at));
    if (auto r = (*st)->Run(); !r.ok()) return r;
    if (tx.conn().Changes() == 0) {
      auto o = GetOrderOn(tx.conn(), id);
      if (!o.ok()) return o.error();
      return MakeError(ErrorCode::kConflict, "supervision_order.state",
                       "该督办单当前状态为「" + o->state + "」，没有待核实的回复");
    }
    if (accepted) {
      // A verified order settles the alert it came from.
      auto up = tx.conn().Prepare(
          "UPDATE alerts SET state = 'closed' WHERE id = "
          "(SELECT alert_id FROM supervision_orders WHERE id = ?1)");
      if (!up.ok()) return up.error();
      (*up)->Bind(1, id);
      if (auto r = (*up)->Run(); !r.ok()) return r;
    }
    return Append(tx, actor, accepted ? "supervision_order.verified" : "supervision_order.returned",
                  "supervision_order:" + std::to_string(id), {{"note", note}});
  });
  if (!done.ok()) return done.error();
  return GetOrder(id);
}

Result<std::optional<Order>> SupervisionStore::Escalate(int64_t id, const NewOrder& next,
                                                        const std::vector<int64_t>& users,
                                                        const Actor& actor) {
  return db_.Write<std::optional<Order>>([&](WriteTx& tx) -> Result<std::optional<Order>> {
    auto st = tx.conn().Prepare(
        "UPDATE supervision_orders SET state = 'escalated' WHERE id = ?1 AND state = 'open'");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    if (auto r = (*st)->Run(); !r.ok()) return r.error();
    if (tx.conn().Changes() == 0) return std::optional<Order>();
    if (auto e = Append(tx, actor, "supervision_order.escalated",
                        "supervision_order:" + std::to_string(id), {{"to_level", next.level}});
        !e.ok()) {
      return e.error();
    }
    auto opened = OpenOrderIn(tx, next, users, actor);
    if (!opened.ok()) return opened.error();
    return std::optional<Order>(std::move(*opened));
  });
}

Result<std::vector<SupervisionStore::Due>> SupervisionStore::LadderDue(Instant now) const {
  const int64_t now_ms = ToUnixMillis(now);
  return db_.Read<std::vector<Due>>([&](Connection& c) -> Result<std::vector<Due>> {
    auto alerts = Collect<Due>(
        c, "SELECT id, explain_by_ms FROM alerts WHERE state = 'open' AND explain_by_ms <= ?1",
        [&](Statement& s) { s.Bind(1, now_ms); },
        [](const Statement& s) { return Due{"alert", s.Int64(0), FromUnixMillis(s.Int64(1))}; });
    if (!alerts.ok()) return alerts.error();
    auto orders = Collect<Due>(
        c,
        "SELECT id, deadline_ms FROM supervision_orders WHERE state = 'open' AND "
        "level <> 'dossier' AND deadline_ms <= ?1",
        [&](Statement& s) { s.Bind(1, now_ms); },
        [](const Statement& s) { return Due{"order", s.Int64(0), FromUnixMillis(s.Int64(1))}; });
    if (!orders.ok()) return orders.error();
    alerts->insert(alerts->end(), orders->begin(), orders->end());
    return alerts;
  });
}

// ---- Notifications and the webhook ----

Result<PageOf<Notification>> SupervisionStore::Notifications(int64_t user_id, bool unread_only,
                                                             const PageRequest& page) const {
  const std::string where =
      std::string(" WHERE user_id = ?1") + (unread_only ? " AND read_at_ms IS NULL" : "");
  return db_.Read<PageOf<Notification>>([&](Connection& c) -> Result<PageOf<Notification>> {
    auto total = CountOf(c, "SELECT COUNT(*) FROM notifications" + where,
                         [&](Statement& s) { s.Bind(1, user_id); });
    if (!total.ok()) return total.error();
    auto items = Collect<Notification>(
        c,
        "SELECT id, user_id, title, body, alert_id, order_id, created_at_ms, read_at_ms "
        "FROM notifications" + where + " ORDER BY id DESC LIMIT ?2 OFFSET ?3",
        [&](Statement& s) {
          s.Bind(1, user_id).Bind(2, static_cast<int64_t>(page.page_size));
          s.Bind(3, static_cast<int64_t>(page.page - 1) * static_cast<int64_t>(page.page_size));
        },
        [](const Statement& s) {
          Notification n;
          n.id = s.Int64(0);
          n.user_id = s.Int64(1);
          n.title = s.Text(2);
          n.body = s.Text(3);
          n.alert_id = s.OptionalInt64(4);
          n.order_id = s.OptionalInt64(5);
          n.created_at = FromUnixMillis(s.Int64(6));
          if (auto v = s.OptionalInt64(7)) n.read_at = FromUnixMillis(*v);
          return n;
        });
    if (!items.ok()) return items.error();
    return PageOf<Notification>{std::move(*items), *total};
  });
}

Result<int64_t> SupervisionStore::UnreadCount(int64_t user_id) const {
  return db_.Read<int64_t>([&](Connection& c) {
    return CountOf(c, "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read_at_ms IS NULL",
                   [&](Statement& s) { s.Bind(1, user_id); });
  });
}

Status SupervisionStore::MarkRead(int64_t id, int64_t user_id, Instant at) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        "UPDATE notifications SET read_at_ms = COALESCE(read_at_ms, ?3) "
        "WHERE id = ?1 AND user_id = ?2");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, user_id).Bind(3, ToUnixMillis(at));
    if (auto r = (*st)->Run(); !r.ok()) return r;
    if (tx.conn().Changes() == 0) {
      return MakeError(ErrorCode::kNotFound, "not_found", "消息不存在");
    }
    return Ok();
  });
}

Result<std::vector<SupervisionStore::Outgoing>> SupervisionStore::PendingWebhooks(int limit) const {
  return db_.Read<std::vector<Outgoing>>([&](Connection& c) {
    return Collect<Outgoing>(
        c,
        "SELECT id, payload, attempts FROM webhook_outbox WHERE delivered_at_ms IS NULL "
        "ORDER BY id LIMIT ?1",
        [&](Statement& s) { s.Bind(1, static_cast<int64_t>(limit)); },
        [](const Statement& s) {
          return Outgoing{s.Int64(0), s.Text(1), static_cast<int>(s.Int64(2))};
        });
  });
}

Status SupervisionStore::MarkWebhook(int64_t id, bool delivered, const std::string& error,
                                     Instant at) {
  return db_.WriteErased([&](WriteTx& tx) -> Status {
    auto st = tx.conn().Prepare(
        delivered ? "UPDATE webhook_outbox SET attempts = attempts + 1, delivered_at_ms = ?2, "
                    "last_error = ?3 WHERE id = ?1"
                  : "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?3 "
                    "WHERE id = ?1 AND CAST(?2 AS BIGINT) IS NOT NULL");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, ToUnixMillis(at)).Bind(3, std::string_view(error));
    return (*st)->Run();
  });
}

Result<std::vector<int64_t>> SupervisionStore::Responsible(
    int64_t department_id, const std::vector<std::string>& roles) const {
  std::string names = " r.name = 'department-head'";
  for (size_t i = 0; i < roles.size(); ++i) names += " OR r.name = ?" + std::to_string(i + 2);
  const std::string sql =
      "SELECT DISTINCT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id "
      "JOIN roles r ON r.id = ur.role_id WHERE u.department_id = ?1 AND u.active = 1 AND (" +
      names + ") ORDER BY u.id";
  return db_.Read<std::vector<int64_t>>([&](Connection& c) {
    return Collect<int64_t>(
        c, sql,
        [&](Statement& s) {
          s.Bind(1, department_id);
          for (size_t i = 0; i < roles.size(); ++i) {
            s.Bind(static_cast<int>(i) + 2, std::string_view(roles[i]));
          }
        },
        [](const Statement& s) { return s.Int64(0); });
  });
}

Result<int64_t> SupervisionStore::AlertCount(const std::string& rule_id, int64_t case_id) const {
  return db_.Read<int64_t>([&](Connection& c) {
    return CountOf(c, "SELECT COUNT(*) FROM alerts WHERE rule_id = ?1 AND case_id = ?2",
                   [&](Statement& s) { s.Bind(1, std::string_view(rule_id)).Bind(2, case_id); });
  });
}

Result<std::string> SupervisionStore::DepartmentName(int64_t department_id) const {
  return db_.Read<std::string>([&](Connection& c) -> Result<std::string> {
    auto st = c.Prepare("SELECT name FROM departments WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, department_id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    std::string name = *row ? (*st)->Text(0) : std::string();
    (*st)->Reset();
    return name;
  });
}

// ---- The engine's checkpoint ----

Result<int64_t> SupervisionStore::Checkpoint() const {
  return db_.Read<int64_t>([](Connection& c) {
    return CountOf(c, "SELECT COALESCE(MAX(value), 0) FROM engine_state WHERE name = 'event_seq'",
                   [](Statement&) {});
  });
}

Status SupervisionStore::SetCheckpointIn(WriteTx& tx, int64_t seq) {
  auto st = tx.conn().Prepare(
      "INSERT INTO engine_state(name, value) VALUES ('event_seq', ?1) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  if (!st.ok()) return st.error();
  (*st)->Bind(1, seq);
  return (*st)->Run();
}

}  // namespace xn::store
