// Key projects (重点项目, 代办): /api/v1/key-projects. A key project groups every approval of one
// investment project under an assigned proxy agent; its page is the one view of where each
// approval stands and what blocks it.
//
// Decisions: a key project is created by a supervisor (efficiency office, within their region)
// or by the department head of the agent's own department, i.e. the service center whose staff
// the proxy agents are (350582-xzfw in the demo city): a head assigns their own agents. A project
// is seen by its agent, by staff of the agent's department (the service center), and by roles
// with a region scope (supervisors, leaders) over the agent's region. Its cases are applied for
// with POST /api/v1/cases and "key_project_id" (case_routes.cc), which records the agent.
#include "domain/cases/case.h"
#include "http/api.h"
#include "http/json_body.h"
#include "store/key_projects/key_project_store.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kProjectSchema = R"({"type":"object","required":["id","code","name"],"properties":{"id":{"type":"integer"},"code":{"type":"string"},"name":{"type":"string"},"enterprise_code":{"type":"string"},"enterprise_name":{"type":"string"},"investment_fen":{"type":"integer"},"agent":{"type":["object","null"]},"created_at":{"type":"string"}}})";
const char* kViewSchema = R"({"type":"object","required":["project","cases","blocking","progress"],"properties":{"project":{"type":"object"},"cases":{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"},"case_no":{"type":"string"},"matter_code":{"type":"string"},"matter_name":{"type":"string"},"department_name":{"type":"string"},"state":{"type":"string"},"state_title":{"type":"string"},"light":{"type":"string","enum":["green","yellow","red","paused","none"]},"current_steps":{"type":"array"},"promised_deadline":{"type":["string","null"]},"blocking":{"type":["object","null"]}}}},"blocking":{"type":"object","properties":{"correction_pending":{"type":"array"},"special_procedure":{"type":"array"},"overdue":{"type":"array"},"awaiting_acceptance":{"type":"array"}}},"progress":{"type":"object"}}})";

bool HasRole(const identity::Principal& p, std::string_view r) {
  return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end();
}

json::value Iso(const std::optional<cases::LegalClock>& c) {
  if (!c || c->paused) return nullptr;
  return json::value(IsoLocal(c->deadline));
}

json::object ProjectJson(const store::KeyProject& p) {
  json::value agent = nullptr;
  if (p.agent_user_id) agent = json::object{{"id", *p.agent_user_id}, {"name", p.agent_name}};
  return {{"id", p.id},
          {"code", p.code},
          {"name", p.name},
          {"enterprise_code", p.enterprise_code},
          {"enterprise_name", p.enterprise_name},
          {"investment_fen", p.investment_fen},
          {"agent", std::move(agent)},
          {"region_code", p.region_code},
          {"created_at", IsoLocal(p.created_at)}};
}

bool MaySee(const identity::Principal& me, const store::KeyProject& p) {
  if (p.agent_user_id && *p.agent_user_id == me.user_id) return true;
  return me.scope != identity::Scope::kOwn &&
         identity::InScope(me, {.department_id = p.agent_department_id,
                                .region_code = p.region_code});
}

// The last pause of the promised clock (why and since when), for a paused case.
const cases::ClockEntry* LastPause(const cases::Case& c) {
  if (!c.promised) return nullptr;
  for (auto it = c.promised->log.rbegin(); it != c.promised->log.rend(); ++it) {
    if (it->kind == cases::ClockEntry::Kind::kPause) return &*it;
  }
  return nullptr;
}

}  // namespace

void RegisterKeyProjectRoutes(Router& router, ApiContext& ctx) {
  const std::string kRead(identity::perm::kCasesRead);
  auto store = std::make_shared<store::KeyProjectStore>(ctx.db);

  router.Add(
      verb::post, "/api/v1/key-projects", Access::kAuthenticated, kRead,
      {.summary = "设立重点项目并指定代办员（效能办工作人员，或代办员所在部门即行政服务中心的负责人）",
       .tag = "key-projects",
       .request_schema =
           R"({"type":"object","required":["code","name","enterprise_code","enterprise_name","agent_user_id"],"additionalProperties":false,"properties":{"code":{"type":"string","description":"项目代码（字母、数字、连字符）"},"name":{"type":"string"},"enterprise_code":{"type":"string","description":"统一社会信用代码（校验位）"},"enterprise_name":{"type":"string"},"investment_fen":{"type":"integer","minimum":0,"description":"总投资，单位：分"},"agent_user_id":{"type":"integer","description":"代办员（角色 proxy-agent）"}}})",
       .response_schema = kProjectSchema,
       .success_status = 201},
      [&ctx, store](Request& req) {
        const auto& p = *req.principal;
        const bool supervisor = HasRole(p, "supervisor");
        if (!supervisor && !HasRole(p, "department-head")) {
          return Problem(MakeError(ErrorCode::kPermissionDenied, "key_projects.role_not_allowed",
                                   "只有效能办工作人员或行政服务中心负责人可以设立重点项目"));
        }
        BodyReader r(req.body());
        auto code = r.String("code", {.required = true, .min_chars = 1, .max_chars = 40});
        auto name = r.String("name", {.required = true, .min_chars = 1, .max_chars = 200});
        auto ecode = r.String("enterprise_code", {.required = true, .max_chars = 18});
        auto ename = r.String("enterprise_name", {.required = true, .min_chars = 1, .max_chars = 100});
        auto investment = r.Int("investment_fen", false, 0, 100'000'000'000'000);
        auto agent_id = r.Int("agent_user_id", true, 1);
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        bool code_ok = std::all_of(code->begin(), code->end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        });
        if (!code_ok) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.pattern",
                                   "项目代码只能包含字母、数字和连字符", "code"));
        }
        if (!cases::ValidCreditCode(*ecode)) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.credit_code",
                                   "统一社会信用代码无效（18位，校验码不符）", "enterprise_code"));
        }
        auto agent = ctx.identity.GetUser(*agent_id);
        bool is_agent = agent.ok() && agent->active &&
                        std::any_of(agent->roles.begin(), agent->roles.end(),
                                    [](const identity::RoleDef& r) { return r.name == "proxy-agent"; });
        if (!is_agent) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "key_projects.not_an_agent",
                                   "代办员须为在岗的代办员账号", "agent_user_id"));
        }
        // A head assigns the agents of their own department; a supervisor any agent of their region.
        bool allowed = supervisor ? identity::InScope(p, {.department_id = agent->department_id,
                                                          .region_code = agent->region_code})
                                  : p.department_id && agent->department_id &&
                                        *p.department_id == *agent->department_id;
        if (!allowed) {
          return Problem(MakeError(ErrorCode::kPermissionDenied, "key_projects.agent_not_yours",
                                   "只能指定本部门（本地区）的代办员", "agent_user_id"));
        }
        store::KeyProject kp;
        kp.code = *code;
        kp.name = *name;
        kp.enterprise_code = *ecode;
        kp.enterprise_name = *ename;
        kp.investment_fen = investment.value_or(0);
        kp.agent_user_id = agent->id;
        auto created = store->Create(kp, ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(ProjectJson(*created), 201);
      });

  router.Add(verb::get, "/api/v1/key-projects", Access::kAuthenticated, kRead,
             {.summary = "重点项目列表（代办员看自己的，效能办和领导看本地区的）",
              .tag = "key-projects",
              .response_schema = PageSchema(kProjectSchema),
              .query = kPageParams},
             [&ctx, store](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto all = store->List({});
               if (!all.ok()) return Problem(all.error());
               std::vector<store::KeyProject> mine;
               for (const auto& p : *all) {
                 if (MaySee(*req.principal, p)) mine.push_back(p);
               }
               return PageResponse(mine, *page, ProjectJson);
             });

  router.Add(
      verb::get, "/api/v1/key-projects/{id}", Access::kAuthenticated, kRead,
      {.summary = "重点项目一览：每项审批的进度、时限与红黄绿灯，以及卡在哪里（待补正、特别程序、"
                  "超时、待受理）",
       .tag = "key-projects",
       .response_schema = kViewSchema},
      [&ctx, store](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        auto project = store->Get(*id);
        if (!project.ok()) return Problem(project.error());
        if (!MaySee(*req.principal, *project)) {
          return Problem(MakeError(ErrorCode::kNotFound, "not_found", "重点项目不存在"));
        }
        auto list = store->Cases(*id);
        if (!list.ok()) return Problem(list.error());
        auto cal = ctx.calendar.Current();
        const Instant now = ctx.clock.Now();
        std::map<int64_t, std::string> dept_names;
        json::array items, correction, special, overdue, awaiting;
        int64_t done = 0, open = 0;
        for (const auto& c : *list) {
          auto [it, fresh] = dept_names.try_emplace(c.department_id);
          if (fresh) {
            if (auto d = ctx.identity.GetDepartment(c.department_id); d.ok()) it->second = d->name;
          }
          const std::string light = CaseLight(cal.get(), c, now);
          json::array steps;
          for (const auto& s : c.active_steps) {
            steps.push_back(json::object{
                {"id", s.def.id},
                {"name", s.def.name},
                {"deadline", s.deadline ? json::value(IsoLocal(*s.deadline)) : json::value(nullptr)}});
          }
          json::object ref{{"case_id", c.id},
                           {"case_no", c.case_no},
                           {"matter_name", c.matter_name},
                           {"department_name", it->second}};
          // What holds the case up, if anything: the applicant owes corrections, a special
          // procedure is running, the promised limit has passed, or nobody has accepted it yet.
          json::value blocking = nullptr;
          auto block = [&](const char* kind, std::string title, json::array& group,
                           json::object extra) {
            json::object b{{"kind", kind}, {"title", title}};
            json::object entry = ref;
            for (auto& kv : extra) {
              b[kv.key()] = kv.value();
              entry[kv.key()] = kv.value();
            }
            entry["title"] = title;
            group.push_back(std::move(entry));
            blocking = std::move(b);
          };
          const auto* pause = LastPause(c);
          if (c.state == cases::CaseState::kCorrectionPending) {
            json::array need;
            for (const auto& i : c.correction_items) need.emplace_back(i);
            block("correction_pending", "等待申请人补正材料", correction,
                  {{"items", std::move(need)},
                   {"since", pause ? json::value(IsoLocal(pause->at)) : json::value(nullptr)}});
          } else if (c.state == cases::CaseState::kSpecialProcedure) {
            block("special_procedure", pause ? pause->reason : "特别程序（不计入办理时限）",
                  special, {{"since", pause ? json::value(IsoLocal(pause->at)) : json::value(nullptr)}});
          } else if (light == "red") {
            block("overdue", "已超过承诺时限", overdue,
                  {{"promised_deadline", Iso(c.promised)}});
          } else if (c.state == cases::CaseState::kSubmitted) {
            block("awaiting_acceptance", "等待窗口受理", awaiting,
                  {{"submitted_at", IsoLocal(c.submitted_at)}});
          }
          if (c.state == cases::CaseState::kConcluded || cases::IsClosed(c.state)) {
            ++done;
          } else {
            ++open;
          }
          items.push_back(json::object{
              {"id", c.id},
              {"case_no", c.case_no},
              {"matter_code", c.matter_code},
              {"matter_name", c.matter_name},
              {"department_id", c.department_id},
              {"department_name", it->second},
              {"state", cases::CaseStateName(c.state)},
              {"state_title", cases::CaseStateTitle(c.state)},
              {"light", light},
              {"current_steps", std::move(steps)},
              {"submitted_at", IsoLocal(c.submitted_at)},
              {"promised_deadline", Iso(c.promised)},
              {"statutory_deadline", Iso(c.statutory)},
              {"agent_user_id", c.agent_user_id ? json::value(*c.agent_user_id)
                                                : json::value(nullptr)},
              {"blocking", std::move(blocking)}});
        }
        const size_t blocked = correction.size() + special.size() + overdue.size() + awaiting.size();
        json::object view{
            {"project", ProjectJson(*project)},
            {"cases", std::move(items)},
            {"blocking", json::object{{"correction_pending", std::move(correction)},
                                      {"special_procedure", std::move(special)},
                                      {"overdue", std::move(overdue)},
                                      {"awaiting_acceptance", std::move(awaiting)}}},
            {"progress", json::object{{"total", list->size()},
                                      {"concluded", done},
                                      {"open", open},
                                      {"blocked", blocked}}}};
        return JsonOk(view);
      });
}

}  // namespace xn::http
