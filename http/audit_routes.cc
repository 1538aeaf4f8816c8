// The audit log (audit.read: the audit admin alone): logins and failures, account, role and
// grant changes, organisation and calendar changes, denied accesses; and the check of the
// event chain that guards it.
#include "http/api.h"
#include "http/json_body.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kAuditSchema = R"({"type":"object","required":["seq","at","actor","kind","subject","data"],"properties":{"seq":{"type":"integer"},"at":{"type":"string"},"actor":{"type":"string"},"actor_name":{"type":"string"},"kind":{"type":"string"},"subject":{"type":"string"},"data":{"type":"object"}}})";

// YYYY-MM-DD (local date, Asia/Shanghai) to the Unix millisecond its day starts.
std::optional<int64_t> LocalDayStartMs(const std::string& s) {
  int y, m, d;
  char tail;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                  std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return (static_cast<int64_t>(days) * 86400 - 8 * 3600) * 1000;
}

}  // namespace

void RegisterAuditRoutes(Router& router, ApiContext& ctx) {
  const std::string kAuditRead(identity::perm::kAuditRead);
  std::vector<QueryParamDoc> q = kPageParams;
  q.push_back({"kind", "string", "事件类型前缀，如 auth. 或 user.created"});
  q.push_back({"actor", "string", "操作者：user:12、system，或用户名"});
  q.push_back({"from", "string", "起始日期 YYYY-MM-DD（含）"});
  q.push_back({"to", "string", "截止日期 YYYY-MM-DD（含）"});
  router.Add(verb::get, "/api/v1/audit-log", Access::kAuthenticated, kAuditRead,
             {.summary = "审计日志（新的在前）", .tag = "audit",
              .response_schema = PageSchema(kAuditSchema), .query = q},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               store::AuditQuery query;
               query.page = *page;
               query.kind_prefix = req.Query("kind");
               query.actor = req.Query("actor");
               if (auto f = req.Query("from")) {
                 query.from_ms = LocalDayStartMs(*f);
                 if (!query.from_ms) {
                   return Problem(BadParameter("from", "from 须为 YYYY-MM-DD 格式的日期"));
                 }
               }
               if (auto t = req.Query("to")) {
                 auto start = LocalDayStartMs(*t);
                 if (!start) return Problem(BadParameter("to", "to 须为 YYYY-MM-DD 格式的日期"));
                 query.to_ms = *start + 86'400'000;
               }
               auto result = ctx.identity.ListAudit(query);
               if (!result.ok()) return Problem(result.error());
               json::array items;
               for (size_t i = 0; i < result->items.size(); ++i) {
                 const auto& e = result->items[i];
                 json::error_code ec;
                 json::value data = json::parse(e.data, ec);
                 if (ec) data = json::object{};
                 items.push_back(json::object{{"seq", e.seq},
                                              {"at", IsoLocal(FromUnixMillis(e.at_ms))},
                                              {"actor", e.actor},
                                              {"actor_name", result->actor_names[i]},
                                              {"kind", e.kind},
                                              {"subject", e.subject},
                                              {"data", std::move(data)}});
               }
               return JsonOk(json::object{{"items", std::move(items)}, {"total", result->total}});
             });

  router.Add(
      verb::get, "/api/v1/audit-log/verify", Access::kAuthenticated, kAuditRead,
      {.summary = "校验事件哈希链（SM3），报告第一条被篡改的事件",
       .tag = "audit",
       .response_schema =
           R"({"type":"object","required":["ok","events_checked"],"properties":{"ok":{"type":"boolean"},"events_checked":{"type":"integer"},"first_bad_seq":{"type":["integer","null"]},"reason":{"type":"string"},"head_hash":{"type":"string"}}})"},
      [&ctx](Request&) {
        auto report = ctx.db.VerifyEvents();
        if (!report.ok()) return Problem(report.error());
        return JsonOk(json::object{
            {"ok", !report->first_bad_seq.has_value()},
            {"events_checked", report->events_checked},
            {"first_bad_seq", report->first_bad_seq ? json::value(*report->first_bad_seq)
                                                    : json::value(nullptr)},
            {"reason", report->reason},
            {"head_hash", report->head_hash_hex}});
      });
}

}  // namespace xn::http
