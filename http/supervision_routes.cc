// Electronic supervision (电子监察, docs/supervision.md): alerts, the traffic-light board, charts,
// supervision orders, the rule set, in-app notifications.
//
// Scope: region scope (supervisor, leader) sees the departments of its region; department and
// section scope (department head, handler) their own department; own scope nothing. An alert or
// order out of scope answers 404. Explaining an alert and replying to an order are for the
// department's own staff (supervision.reply); opening and verifying orders for the efficiency
// office (supervision.write).
#include "domain/cases/legal_clock.h"
#include "domain/supervision/rules.h"
#include "http/api.h"
#include "http/json_body.h"
#include "store/supervision/replay.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kAlertSchema = R"({"type":"object","required":["id","rule_id","level","state","message"],"properties":{"id":{"type":"integer"},"rule_id":{"type":"string"},"rule_name":{"type":"string"},"rule_version":{"type":"integer"},"level":{"type":"string","enum":["reminder","yellow","red"]},"target":{"type":"string"},"item":{"type":"string"},"case_id":{"type":["integer","null"]},"case_no":{"type":"string"},"department_id":{"type":["integer","null"]},"department_name":{"type":"string"},"matter_code":{"type":"string"},"matter_name":{"type":"string"},"moment":{"type":"string"},"raised_at":{"type":"string"},"explain_by":{"type":["string","null"]},"state":{"type":"string","enum":["open","explained","ordered","closed"]},"message":{"type":"string"},"explanation":{"type":"string"},"reply":{"type":["string","null"]},"replied_by":{"type":["integer","null"]},"replied_at":{"type":["string","null"]},"order_id":{"type":["integer","null"]}}})";
const char* kOrderSchema = R"({"type":"object","required":["id","order_no","level","state","reason","deadline"],"properties":{"id":{"type":"integer"},"order_no":{"type":"string"},"level":{"type":"string","enum":["yellow","red","dossier"]},"state":{"type":"string","enum":["open","replied","verified","escalated"]},"case_id":{"type":["integer","null"]},"case_no":{"type":"string"},"alert_id":{"type":["integer","null"]},"department_id":{"type":"integer"},"department_name":{"type":"string"},"reason":{"type":"string"},"opened_by":{"type":"string"},"opened_at":{"type":"string"},"deadline":{"type":"string"},"overdue":{"type":"boolean"},"reply":{"type":["string","null"]},"replied_at":{"type":["string","null"]},"verification":{"type":["string","null"]},"verified_at":{"type":["string","null"]},"parent_id":{"type":["integer","null"]}}})";

json::value OptIso(const std::optional<Instant>& t) {
  return t ? json::value(IsoLocal(*t)) : json::value(nullptr);
}
json::value OptInt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value OptText(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object AlertJson(const store::Alert& a) {
  return {{"id", a.id},
          {"rule_id", a.rule_id},
          {"rule_name", a.rule_name},
          {"rule_version", a.rule_version},
          {"level", a.level},
          {"target", a.target},
          {"item", a.item},
          {"case_id", OptInt(a.case_id)},
          {"case_no", a.case_no},
          {"department_id", OptInt(a.department_id)},
          {"department_name", a.department_name},
          {"matter_code", a.matter_code},
          {"matter_name", a.matter_name},
          {"moment", IsoLocal(a.moment)},
          {"raised_at", IsoLocal(a.raised_at)},
          {"explain_by", OptIso(a.explain_by)},
          {"state", a.state},
          {"message", a.message},
          {"explanation", a.explanation},
          {"reply", OptText(a.reply)},
          {"replied_by", OptInt(a.replied_by)},
          {"replied_at", OptIso(a.replied_at)},
          {"order_id", OptInt(a.order_id)}};
}

json::object OrderJson(const store::Order& o, Instant now) {
  return {{"id", o.id},
          {"order_no", o.order_no},
          {"level", o.level},
          {"state", o.state},
          {"case_id", OptInt(o.case_id)},
          {"case_no", o.case_no},
          {"alert_id", OptInt(o.alert_id)},
          {"department_id", o.department_id},
          {"department_name", o.department_name},
          {"reason", o.reason},
          {"opened_by", o.opened_by},
          {"opened_at", IsoLocal(o.opened_at)},
          {"deadline", IsoLocal(o.deadline)},
          {"overdue", o.state == "open" && o.deadline < now},
          {"reply", OptText(o.reply)},
          {"replied_at", OptIso(o.replied_at)},
          {"verification", OptText(o.verification)},
          {"verified_at", OptIso(o.verified_at)},
          {"parent_id", OptInt(o.parent_id)}};
}

// The caller's scope as a department or a region prefix; own scope sees nothing (-1).
struct Scope {
  std::optional<int64_t> department_id;
  std::optional<std::string> region_prefix;
};
Scope ScopeOf(const identity::Principal& p) {
  store::CaseQuery q;
  ScopeCaseQuery(p, q);
  Scope s{q.department_id, q.region_prefix};
  if (q.party_user_id) s.department_id = -1;
  return s;
}

bool DepartmentInScope(ApiContext& ctx, const identity::Principal& p,
                       const std::optional<int64_t>& department_id) {
  if (p.scope == identity::Scope::kAll) return true;
  if (!department_id || p.scope == identity::Scope::kOwn) return false;
  auto d = ctx.identity.GetDepartment(*department_id);
  if (!d.ok()) return false;
  return identity::InScope(p, {.department_id = *department_id, .region_code = d->region_code});
}

// Department and section scope: their own department only, for replies.
bool OwnDepartment(const identity::Principal& p, const std::optional<int64_t>& department_id) {
  return department_id && p.department_id && *p.department_id == *department_id;
}

Error NotFoundAlert() { return MakeError(ErrorCode::kNotFound, "not_found", "预警不存在"); }
Error NotFoundOrder() { return MakeError(ErrorCode::kNotFound, "not_found", "督办单不存在"); }

Result<std::optional<int64_t>> DateParam(const Request& req, const char* name, int add_days) {
  auto v = req.Query(name);
  if (!v) return std::optional<int64_t>();
  auto d = calendar::ParseDate(*v);
  if (!d.ok()) return BadParameter(name, "日期格式应为 YYYY-MM-DD");
  return std::optional<int64_t>(ToUnixMillis(calendar::ShanghaiStartOfDay(*d)) +
                                int64_t{add_days} * 86400000);
}

json::array RulesJson(const supervision::RuleSet& rules) {
  json::array out;
  for (const auto& r : rules.rules()) {
    out.push_back(json::object{{"id", r.id()},
                               {"name", r.name()},
                               {"basis", r.basis()},
                               {"level", supervision::AlertLevelName(r.level())},
                               {"target", supervision::TargetName(r.target())},
                               {"enabled", r.enabled()},
                               {"kind", r.is_time_rule() ? "time" : "event"},
                               {"note", r.note()}});
  }
  return out;
}

}  // namespace

Result<std::optional<store::AlertQuery>> ParseAlertQuery(const Request& req) {
  store::AlertQuery q;
  const Scope scope = ScopeOf(*req.principal);
  q.department_id = scope.department_id;
  q.region_prefix = scope.region_prefix;
  if (auto level = req.Query("level")) {
    if (!supervision::ParseAlertLevel(*level)) {
      return BadParameter("level", "预警等级应为 reminder、yellow 或 red");
    }
    q.level = *level;
  }
  if (auto state = req.Query("state")) {
    if (*state != "open" && *state != "explained" && *state != "ordered" && *state != "closed") {
      return BadParameter("state", "预警状态应为 open、explained、ordered 或 closed");
    }
    q.state = *state;
  }
  q.rule = req.Query("rule");
  q.matter_code = req.Query("matter_code");
  for (auto [name, slot] : {std::pair{"department_id", &q.department_id},
                            std::pair{"case_id", &q.case_id}, std::pair{"after_id", &q.after_id}}) {
    auto v = QueryInt(req, name);
    if (!v.ok()) return v.error();
    if (!*v) continue;
    if (std::string_view(name) == "department_id" && scope.department_id &&
        *scope.department_id != **v) {
      return std::optional<store::AlertQuery>();  // another department: nothing in scope
    }
    *slot = **v;
  }
  auto from = DateParam(req, "from", 0);
  if (!from.ok()) return from.error();
  auto to = DateParam(req, "to", 1);
  if (!to.ok()) return to.error();
  q.from_ms = *from;
  q.to_ms = *to;
  return std::optional<store::AlertQuery>(q);
}

Result<std::optional<store::OrderQuery>> ParseOrderQuery(const Request& req) {
  store::OrderQuery q;
  const Scope scope = ScopeOf(*req.principal);
  q.department_id = scope.department_id;
  q.region_prefix = scope.region_prefix;
  q.state = req.Query("state");
  q.level = req.Query("level");
  if (q.state && *q.state != "open" && *q.state != "replied" && *q.state != "verified" &&
      *q.state != "escalated") {
    return BadParameter("state", "督办状态应为 open、replied、verified 或 escalated");
  }
  if (q.level && *q.level != "yellow" && *q.level != "red" && *q.level != "dossier") {
    return BadParameter("level", "督办等级应为 yellow、red 或 dossier");
  }
  auto dept = QueryInt(req, "department_id");
  if (!dept.ok()) return dept.error();
  if (*dept) {
    if (scope.department_id && *scope.department_id != **dept) {
      return std::optional<store::OrderQuery>();
    }
    q.department_id = **dept;
  }
  auto case_id = QueryInt(req, "case_id");
  if (!case_id.ok()) return case_id.error();
  q.case_id = *case_id;
  return std::optional<store::OrderQuery>(q);
}

void RegisterSupervisionRoutes(Router& router, ApiContext& ctx) {
  const std::string kRead(identity::perm::kSupervisionRead);
  const std::string kReply(identity::perm::kSupervisionReply);
  const std::string kWrite(identity::perm::kSupervisionWrite);
  const std::string kRules(identity::perm::kRulesWrite);

  // ---- Alerts ----

  std::vector<QueryParamDoc> alert_q = kPageParams;
  alert_q.push_back({"level", "string", "reminder | yellow | red"});
  alert_q.push_back({"rule", "string", "规则编号，如 ES-08"});
  alert_q.push_back({"department_id", "integer", "部门"});
  alert_q.push_back({"state", "string", "open | explained | ordered | closed"});
  alert_q.push_back({"matter_code", "string", "事项编码"});
  alert_q.push_back({"case_id", "integer", "办件"});
  alert_q.push_back({"after_id", "integer", "只列编号大于此值的预警（实时刷新用）"});
  alert_q.push_back({"from", "string", "产生日期起（YYYY-MM-DD）"});
  alert_q.push_back({"to", "string", "产生日期止（含，YYYY-MM-DD）"});
  router.Add(
      verb::get, "/api/v1/alerts", Access::kAuthenticated, kRead,
      {.summary = "预警列表（限于数据范围，新的在前）", .tag = "supervision",
       .response_schema = PageSchema(kAlertSchema), .query = alert_q},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        auto q = ParseAlertQuery(req);
        if (!q.ok()) return Problem(q.error());
        if (!*q) return JsonOk(json::object{{"items", json::array{}}, {"total", 0}});
        store::AlertQuery query = **q;
        query.page = *page;
        auto result = ctx.supervision->ListAlerts(query);
        if (!result.ok()) return Problem(result.error());
        json::array items;
        for (const auto& a : result->items) items.push_back(AlertJson(a));
        return JsonOk(json::object{{"items", std::move(items)}, {"total", result->total}});
      });

  router.Add(
      verb::get, "/api/v1/alerts/stats", Access::kAuthenticated, kRead,
      {.summary = "预警统计：按部门、规则或日期计数，分等级", .tag = "supervision",
       .response_schema = R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"key":{"type":"string"},"name":{"type":"string"},"reminder":{"type":"integer"},"yellow":{"type":"integer"},"red":{"type":"integer"}}}}}})",
       .query = {{"by", "string", "department | rule | day"},
                 {"from", "string", "起（YYYY-MM-DD，默认 30 天前）"},
                 {"to", "string", "止（含，YYYY-MM-DD，默认今天）"}}},
      [&ctx](Request& req) {
        const std::string by = req.Query("by").value_or("department");
        if (by != "department" && by != "rule" && by != "day") {
          return Problem(BadParameter("by", "by 应为 department、rule 或 day"));
        }
        const int64_t today = ToUnixMillis(calendar::ShanghaiStartOfDay(
            calendar::ShanghaiDate(ctx.clock.Now())));
        auto from = DateParam(req, "from", 0);
        if (!from.ok()) return Problem(from.error());
        auto to = DateParam(req, "to", 1);
        if (!to.ok()) return Problem(to.error());
        const Scope scope = ScopeOf(*req.principal);
        auto rows = ctx.supervision->Stats(by, from->value_or(today - 29 * 86400000LL),
                                           to->value_or(today + 86400000LL),
                                           scope.department_id, scope.region_prefix);
        if (!rows.ok()) return Problem(rows.error());
        json::array items;
        for (const auto& r : *rows) {
          items.push_back(json::object{{"key", r.key},
                                       {"name", r.name},
                                       {"reminder", r.reminder},
                                       {"yellow", r.yellow},
                                       {"red", r.red}});
        }
        return JsonOk(json::object{{"items", std::move(items)}});
      });

  router.Add(
      verb::get, "/api/v1/alerts/board", Access::kAuthenticated, kRead,
      {.summary = "部门红绿灯：在办件的时限灯色与未结预警、督办", .tag = "supervision",
       .response_schema = R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object"}}}})"},
      [&ctx](Request& req) {
        const auto& p = *req.principal;
        auto departments = ctx.identity.ListDepartments();
        if (!departments.ok()) return Problem(departments.error());
        const Instant now = ctx.clock.Now();
        const auto cal = ctx.calendar.Current();
        auto tomorrow = cal->AddWorkingDays(calendar::ShanghaiDate(now), calendar::WorkingDays{1});
        const int64_t yellow_until =
            tomorrow.ok() ? ToUnixMillis(cases::EndOfDay(tomorrow->date)) : ToUnixMillis(now);
        auto lights = ctx.supervision->CaseLights(ToUnixMillis(now), yellow_until);
        if (!lights.ok()) return Problem(lights.error());
        auto open = ctx.supervision->OpenByDepartment();
        if (!open.ok()) return Problem(open.error());
        json::array items;
        for (const auto& d : *departments) {
          if (!identity::InScope(p, {.department_id = d.id, .region_code = d.region_code}) ||
              p.scope == identity::Scope::kOwn) {
            continue;
          }
          store::SupervisionStore::Lights l;
          for (const auto& x : *lights) {
            if (x.department_id == d.id) l = x;
          }
          store::SupervisionStore::DepartmentOpen o;
          for (const auto& x : *open) {
            if (x.department_id == d.id) o = x;
          }
          items.push_back(json::object{
              {"department_id", d.id},
              {"department_name", d.name},
              {"open_cases", l.open},
              {"green", l.open - l.red - l.yellow - l.paused},
              {"yellow", l.yellow},
              {"red", l.red},
              {"paused", l.paused},
              {"open_alerts",
               json::object{{"reminder", o.reminder}, {"yellow", o.yellow}, {"red", o.red}}},
              {"open_orders", o.orders}});
        }
        return JsonOk(json::object{{"items", std::move(items)}});
      });

  router.Add(verb::get, "/api/v1/alerts/{id}", Access::kAuthenticated, kRead,
             {.summary = "预警详情（含解释与时限算式）", .tag = "supervision",
              .response_schema = kAlertSchema},
             [&ctx](Request& req) {
               auto id = PathId(req, "id");
               if (!id.ok()) return Problem(id.error());
               auto a = ctx.supervision->GetAlert(*id);
               if (!a.ok()) return Problem(a.error());
               if (!DepartmentInScope(ctx, *req.principal, a->department_id)) {
                 return Problem(NotFoundAlert());
               }
               return JsonOk(AlertJson(*a));
             });

  router.Add(
      verb::post, "/api/v1/alerts/{id}/explain", Access::kAuthenticated, kReply,
      {.summary = "说明预警情况（本部门承办人员或负责人）", .tag = "supervision",
       .request_schema = R"({"type":"object","required":["text"],"additionalProperties":false,"properties":{"text":{"type":"string","minLength":2,"maxLength":2000}}})",
       .response_schema = kAlertSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body());
        auto text = r.String("text", {.required = true, .min_chars = 2, .max_chars = 2000});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto a = ctx.supervision->GetAlert(*id);
        if (!a.ok()) return Problem(a.error());
        if (!DepartmentInScope(ctx, *req.principal, a->department_id)) {
          return Problem(NotFoundAlert());
        }
        if (!OwnDepartment(*req.principal, a->department_id)) {
          return Problem(MakeError(ErrorCode::kPermissionDenied, "alert.not_yours",
                                   "只有本部门人员可以说明该预警"));
        }
        auto done = ctx.supervision->Explain(*id, *text, req.principal->user_id,
                                             ActorOf(req, ctx.clock));
        if (!done.ok()) return Problem(done.error());
        return JsonOk(AlertJson(*done));
      });

  router.Add(
      verb::post, "/api/v1/alerts/{id}/close", Access::kAuthenticated, kWrite,
      {.summary = "办结预警（效能办）", .tag = "supervision",
       .request_schema = R"({"type":"object","additionalProperties":false,"properties":{"note":{"type":"string","maxLength":2000}}})",
       .response_schema = kAlertSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body().empty() ? std::string_view("{}") : std::string_view(req.body()));
        auto note = r.String("note", {.max_chars = 2000});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto a = ctx.supervision->GetAlert(*id);
        if (!a.ok()) return Problem(a.error());
        if (!DepartmentInScope(ctx, *req.principal, a->department_id)) {
          return Problem(NotFoundAlert());
        }
        auto done = ctx.supervision->Close(*id, note.value_or(""), ActorOf(req, ctx.clock));
        if (!done.ok()) return Problem(done.error());
        return JsonOk(AlertJson(*done));
      });

  // ---- Supervision orders ----

  std::vector<QueryParamDoc> order_q = kPageParams;
  order_q.push_back({"state", "string", "open | replied | verified | escalated"});
  order_q.push_back({"level", "string", "yellow | red | dossier"});
  order_q.push_back({"department_id", "integer", "部门"});
  order_q.push_back({"case_id", "integer", "办件"});
  router.Add(
      verb::get, "/api/v1/supervision-orders", Access::kAuthenticated, kRead,
      {.summary = "督办单列表（限于数据范围）", .tag = "supervision",
       .response_schema = PageSchema(kOrderSchema), .query = order_q},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        auto q = ParseOrderQuery(req);
        if (!q.ok()) return Problem(q.error());
        if (!*q) return JsonOk(json::object{{"items", json::array{}}, {"total", 0}});
        store::OrderQuery query = **q;
        query.page = *page;
        auto result = ctx.supervision->ListOrders(query);
        if (!result.ok()) return Problem(result.error());
        const Instant now = ctx.clock.Now();
        json::array items;
        for (const auto& o : result->items) items.push_back(OrderJson(o, now));
        return JsonOk(json::object{{"items", std::move(items)}, {"total", result->total}});
      });

  router.Add(
      verb::post, "/api/v1/supervision-orders", Access::kAuthenticated, kWrite,
      {.summary = "开具督办单（效能办，可对任一在数据范围内的办件）", .tag = "supervision",
       .request_schema = R"({"type":"object","required":["case_id","reason"],"additionalProperties":false,"properties":{"case_id":{"type":"integer"},"alert_id":{"type":"integer"},"reason":{"type":"string","minLength":2,"maxLength":2000},"level":{"type":"string","enum":["yellow","red"]},"deadline_days":{"type":"integer","minimum":1,"maximum":30,"description":"回复期限，工作日，默认 3"}}})",
       .response_schema = kOrderSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto case_id = r.Int("case_id", true, 1);
        auto alert_id = r.Int("alert_id", false, 1);
        auto reason = r.String("reason", {.required = true, .min_chars = 2, .max_chars = 2000});
        auto level = r.String("level", {.max_chars = 10});
        auto days = r.Int("deadline_days", false, 1, 30);
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (level && *level != "yellow" && *level != "red") {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                                   "督办等级应为 yellow 或 red", "level"));
        }
        auto c = ctx.cases->Get(*case_id);
        if (!c.ok() || !DepartmentInScope(ctx, *req.principal, c->department_id)) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.case_id",
                                   "办件不存在或不在数据范围内", "case_id"));
        }
        if (alert_id) {
          auto a = ctx.supervision->GetAlert(*alert_id);
          if (!a.ok() || a->case_id != c->id) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.alert_id",
                                     "预警不存在或不属于该办件", "alert_id"));
          }
        }
        const Instant now = ctx.clock.Now();
        auto deadline = ctx.calendar.Current()->AddWorkingDays(
            calendar::ShanghaiDate(now), calendar::WorkingDays{static_cast<int>(days.value_or(3))});
        if (!deadline.ok()) return Problem(deadline.error());
        store::NewOrder o;
        o.level = level.value_or("yellow");
        o.case_id = c->id;
        if (alert_id) o.alert_id = *alert_id;
        o.department_id = c->department_id;
        o.reason = *reason;
        o.opened_by = req.principal->display_name;
        o.deadline = cases::EndOfDay(deadline->date);
        auto users = ctx.supervision->Responsible(c->department_id,
                                                  cases::WhoMayActNow(*c).roles);
        auto opened = ctx.supervision->OpenOrder(
            o, users.ok() ? *users : std::vector<int64_t>{}, ActorOf(req, ctx.clock));
        if (!opened.ok()) return Problem(opened.error());
        return JsonOk(OrderJson(*opened, now), 201);
      });

  router.Add(verb::get, "/api/v1/supervision-orders/{id}", Access::kAuthenticated, kRead,
             {.summary = "督办单详情", .tag = "supervision", .response_schema = kOrderSchema},
             [&ctx](Request& req) {
               auto id = PathId(req, "id");
               if (!id.ok()) return Problem(id.error());
               auto o = ctx.supervision->GetOrder(*id);
               if (!o.ok()) return Problem(o.error());
               if (!DepartmentInScope(ctx, *req.principal, o->department_id)) {
                 return Problem(NotFoundOrder());
               }
               return JsonOk(OrderJson(*o, ctx.clock.Now()));
             });

  router.Add(
      verb::post, "/api/v1/supervision-orders/{id}/reply", Access::kAuthenticated, kReply,
      {.summary = "回复督办单（本部门）", .tag = "supervision",
       .request_schema = R"({"type":"object","required":["text"],"additionalProperties":false,"properties":{"text":{"type":"string","minLength":2,"maxLength":4000}}})",
       .response_schema = kOrderSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body());
        auto text = r.String("text", {.required = true, .min_chars = 2, .max_chars = 4000});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto o = ctx.supervision->GetOrder(*id);
        if (!o.ok()) return Problem(o.error());
        if (!DepartmentInScope(ctx, *req.principal, o->department_id)) {
          return Problem(NotFoundOrder());
        }
        if (!OwnDepartment(*req.principal, o->department_id)) {
          return Problem(MakeError(ErrorCode::kPermissionDenied, "supervision_order.not_yours",
                                   "只有被督办部门的人员可以回复"));
        }
        auto done = ctx.supervision->Reply(*id, *text, req.principal->user_id,
                                           ActorOf(req, ctx.clock));
        if (!done.ok()) return Problem(done.error());
        return JsonOk(OrderJson(*done, ctx.clock.Now()));
      });

  router.Add(
      verb::post, "/api/v1/supervision-orders/{id}/verify", Access::kAuthenticated, kWrite,
      {.summary = "核实督办回复（效能办）：认可则办结，不认可则退回", .tag = "supervision",
       .request_schema = R"({"type":"object","required":["accepted"],"additionalProperties":false,"properties":{"accepted":{"type":"boolean"},"note":{"type":"string","maxLength":2000}}})",
       .response_schema = kOrderSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body());
        auto accepted = r.Bool("accepted", true);
        auto note = r.String("note", {.max_chars = 2000});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (!*accepted && note.value_or("").empty()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.required",
                                   "退回须说明理由", "note"));
        }
        auto o = ctx.supervision->GetOrder(*id);
        if (!o.ok()) return Problem(o.error());
        if (!DepartmentInScope(ctx, *req.principal, o->department_id)) {
          return Problem(NotFoundOrder());
        }
        auto done = ctx.supervision->Verify(*id, *accepted, note.value_or(""),
                                            req.principal->user_id, ActorOf(req, ctx.clock));
        if (!done.ok()) return Problem(done.error());
        return JsonOk(OrderJson(*done, ctx.clock.Now()));
      });

  // ---- Rules ----

  router.Add(
      verb::get, "/api/v1/rules", Access::kAuthenticated, kRead,
      {.summary = "现行监察规则集", .tag = "supervision",
       .response_schema = R"({"type":"object","required":["version","text","rules"],"properties":{"version":{"type":"integer"},"text":{"type":"string"},"note":{"type":"string"},"created_at":{"type":"string"},"rules":{"type":"array","items":{"type":"object"}}}})"},
      [&ctx](Request&) {
        auto current = ctx.supervision->CurrentRules();
        if (!current.ok()) return Problem(current.error());
        auto parsed = supervision::ParseRules(current->text);
        if (!parsed.ok()) return Problem(parsed.error());
        return JsonOk(json::object{{"version", current->version},
                                   {"text", current->text},
                                   {"note", current->note},
                                   {"created_by", current->created_by},
                                   {"created_at", IsoLocal(current->created_at)},
                                   {"rules", RulesJson(*parsed)}});
      });

  router.Add(
      verb::put, "/api/v1/rules", Access::kAuthenticated, kRules,
      {.summary = "保存新版监察规则集（不能解析的规则被拒绝，并指出行号与原因）",
       .tag = "supervision",
       .request_schema = R"({"type":"object","required":["text"],"additionalProperties":false,"properties":{"text":{"type":"string"},"note":{"type":"string","maxLength":500}}})",
       .response_schema = R"({"type":"object","properties":{"version":{"type":"integer"},"rules":{"type":"array"}}})"},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto text = r.String("text", {.required = true, .min_chars = 1,
                                      .max_chars = supervision::kMaxTextBytes});
        auto note = r.String("note", {.max_chars = 500});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto parsed = supervision::ParseRules(*text);
        if (!parsed.ok()) return Problem(parsed.error());
        auto saved = ctx.supervision->SaveRules(*text, note.value_or(""), ActorOf(req, ctx.clock));
        if (!saved.ok()) return Problem(saved.error());
        json::array rules = RulesJson(*parsed);
        if (ctx.engine != nullptr) {
          ctx.engine->UseRules(std::make_shared<const supervision::RuleSet>(std::move(*parsed)),
                               saved->version);
        }
        return JsonOk(json::object{{"version", saved->version}, {"rules", std::move(rules)}});
      });

  router.Add(
      verb::get, "/api/v1/rules/versions", Access::kAuthenticated, kRead,
      {.summary = "监察规则集的历史版本（新的在前）", .tag = "supervision",
       .response_schema = R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"version":{"type":"integer"},"note":{"type":"string"},"created_by":{"type":"string"},"created_at":{"type":"string"},"text":{"type":"string"}}}}}})"},
      [&ctx](Request&) {
        auto all = ctx.supervision->RuleVersions();
        if (!all.ok()) return Problem(all.error());
        json::array items;
        for (const auto& v : *all) {
          items.push_back(json::object{{"version", v.version},
                                       {"note", v.note},
                                       {"created_by", v.created_by},
                                       {"created_at", IsoLocal(v.created_at)},
                                       {"text", v.text}});
        }
        return JsonOk(json::object{{"items", std::move(items)}});
      });

  router.Add(
      verb::post, "/api/v1/rules/replay", Access::kAuthenticated, kRules,
      {.summary = "规则回放：在已存储的历史上运行规则集，报告本会产生的预警（只读，不写任何数据）",
       .tag = "supervision",
       .request_schema = R"({"type":"object","required":["from","to"],"additionalProperties":false,"properties":{"from":{"type":"string","description":"起（YYYY-MM-DD）"},"to":{"type":"string","description":"止（含，YYYY-MM-DD）"},"text":{"type":"string","description":"要回放的规则集；省略则为现行规则集"}}})",
       .response_schema = R"({"type":"object","required":["events","alerts","by_rule","by_department"],"properties":{"events":{"type":"integer"},"events_in_window":{"type":"integer"},"alerts":{"type":"integer"},"by_rule":{"type":"array"},"by_department":{"type":"array"},"by_rule_department":{"type":"array"},"not_replayed":{"type":"array"},"elapsed_seconds":{"type":"number"}}})"},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto from = r.String("from", {.required = true, .max_chars = 10});
        auto to = r.String("to", {.required = true, .max_chars = 10});
        auto text = r.String("text", {.max_chars = supervision::kMaxTextBytes});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto from_date = calendar::ParseDate(*from);
        if (!from_date.ok()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.date",
                                   "日期格式应为 YYYY-MM-DD", "from"));
        }
        auto to_date = calendar::ParseDate(*to);
        if (!to_date.ok() || *to_date < *from_date) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.date",
                                   "止日期格式应为 YYYY-MM-DD，且不早于起日期", "to"));
        }
        std::string source = text.value_or("");
        if (!text) {
          auto current = ctx.supervision->CurrentRules();
          if (!current.ok()) return Problem(current.error());
          source = current->text;
        }
        auto rules = supervision::ParseRules(source);
        if (!rules.ok()) return Problem(rules.error());
        store::ReplayOptions options;
        options.now = ctx.clock.Now();
        const Instant start = calendar::ShanghaiStartOfDay(*from_date);
        const Instant end = calendar::ShanghaiStartOfDay(*to_date) + std::chrono::hours(24);
        auto report = store::Replay(ctx.db, *rules, *ctx.calendar.Current(), start, end, options);
        if (!report.ok()) return Problem(report.error());
        json::array by_rule, by_department, by_pair, skipped;
        for (const auto& x : report->by_rule) {
          by_rule.push_back(json::object{
              {"rule_id", x.rule_id}, {"rule_name", x.rule_name}, {"count", x.count}});
        }
        for (const auto& x : report->by_department) {
          if (!DepartmentInScope(ctx, *req.principal, x.department_id)) continue;
          by_department.push_back(json::object{{"department_id", x.department_id},
                                               {"department_name", x.department_name},
                                               {"count", x.count}});
        }
        for (const auto& x : report->by_rule_department) {
          if (!DepartmentInScope(ctx, *req.principal, x.department_id)) continue;
          by_pair.push_back(json::object{{"rule_id", x.rule_id},
                                         {"department_id", x.department_id},
                                         {"count", x.count}});
        }
        for (const auto& x : report->not_replayed) {
          skipped.push_back(json::object{
              {"rule_id", x.rule_id}, {"rule_name", x.rule_name}, {"reason", x.reason}});
        }
        return JsonOk(json::object{{"events", report->events_scanned},
                                   {"events_in_window", report->events_in_window},
                                   {"cases", report->cases},
                                   {"alerts", report->alerts},
                                   {"not_yet_due", report->not_yet_due},
                                   {"by_rule", std::move(by_rule)},
                                   {"by_department", std::move(by_department)},
                                   {"by_rule_department", std::move(by_pair)},
                                   {"not_replayed", std::move(skipped)},
                                   {"elapsed_seconds", report->elapsed_seconds},
                                   {"events_per_second", report->events_per_second}});
      });

  // ---- Notifications ----

  router.Add(
      verb::get, "/api/v1/notifications", Access::kAuthenticated, "",
      {.summary = "我的站内消息（预警、督办通知）", .tag = "supervision",
       .response_schema = R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object"}},"total":{"type":"integer"},"unread":{"type":"integer"}}})",
       .query = {{"unread", "boolean", "仅未读"}, {"page", "integer", "页码"},
                 {"page_size", "integer", "每页条数"}}},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        const int64_t me = req.principal->user_id;
        auto list = ctx.supervision->Notifications(me, req.Query("unread") == "true", *page);
        if (!list.ok()) return Problem(list.error());
        auto unread = ctx.supervision->UnreadCount(me);
        if (!unread.ok()) return Problem(unread.error());
        json::array items;
        for (const auto& n : list->items) {
          items.push_back(json::object{{"id", n.id},
                                       {"title", n.title},
                                       {"body", n.body},
                                       {"alert_id", OptInt(n.alert_id)},
                                       {"order_id", OptInt(n.order_id)},
                                       {"created_at", IsoLocal(n.created_at)},
                                       {"read_at", OptIso(n.read_at)}});
        }
        return JsonOk(json::object{
            {"items", std::move(items)}, {"total", list->total}, {"unread", *unread}});
      });

  router.Add(verb::post, "/api/v1/notifications/{id}/read", Access::kAuthenticated, "",
             {.summary = "标记消息为已读", .tag = "supervision", .response_schema = ""},
             [&ctx](Request& req) {
               auto id = PathId(req, "id");
               if (!id.ok()) return Problem(id.error());
               Status s = ctx.supervision->MarkRead(*id, req.principal->user_id, ctx.clock.Now());
               if (!s.ok()) return Problem(s.error());
               return NoContent();
             });
}

}  // namespace xn::http
