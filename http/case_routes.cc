// Cases: /api/v1/cases (staff and applicants), /api/v1/public/cases/{case_no} (anyone with the
// query code). Reads follow the data scope (a case outside it answers 404); every action is
// decided by the domain (domain/cases/case.h) and stored with its event.
#include <sodium.h>

#include "domain/cases/fixed_flow.h"
#include "http/api.h"
#include "http/json_body.h"
#include "domain/cases/materials.h"
#include "store/cases/codec.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kCaseSchema = R"({"type":"object","required":["id","case_no","state"],"properties":{"id":{"type":"integer"},"case_no":{"type":"string"},"query_code":{"type":"string"},"matter_code":{"type":"string"},"matter_name":{"type":"string"},"state":{"type":"string","enum":["submitted","correction_pending","in_progress","special_procedure","awaiting_decision","concluded","delivered","declined","withdrawn","revoked"]},"state_title":{"type":"string"},"light":{"type":"string","enum":["green","yellow","red","paused","none"]},"active_steps":{"type":"array"},"statutory_deadline":{"type":["string","null"]},"promised_deadline":{"type":["string","null"]}}})";

bool HasRole(const identity::Principal& p, std::string_view r) {
  return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end();
}

json::value Iso(const std::optional<cases::LegalClock>& c) {
  if (!c || c->paused) return nullptr;
  return json::value(IsoLocal(c->deadline));
}

json::object CaseJson(const ApiContext& ctx, const cases::Case& c) {
  json::object o = store::CaseToJson(c);
  o.erase("flow_token");
  auto cal = ctx.calendar.Current();
  o["light"] = CaseLight(cal.get(), c, ctx.clock.Now());
  o["statutory_deadline"] = Iso(c.statutory);
  o["promised_deadline"] = Iso(c.promised);
  o["submitted_at"] = IsoLocal(c.submitted_at);
  json::array steps;
  for (const auto& s : c.active_steps) {
    json::array roles;
    for (const auto& r : s.def.roles) roles.emplace_back(r);
    steps.push_back(json::object{
        {"id", s.def.id},
        {"name", s.def.name},
        {"roles", std::move(roles)},
        {"department_code", s.def.department_code.empty() ? c.department_code
                                                          : s.def.department_code},
        {"started_at", IsoLocal(s.started_at)},
        {"deadline", s.deadline ? json::value(IsoLocal(*s.deadline)) : json::value(nullptr)}});
  }
  o["active_steps"] = std::move(steps);
  return o;
}

// A case the caller may read, or 404.
Result<cases::Case> VisibleCase(ApiContext& ctx, const Request& req) {
  auto id = PathId(req, "id");
  if (!id.ok()) return id.error();
  auto c = ctx.cases->Get(*id);
  if (!c.ok()) return c.error();
  const auto& p = *req.principal;
  bool party = (c->applicant_user_id && *c->applicant_user_id == p.user_id) ||
               (c->agent_user_id && *c->agent_user_id == p.user_id);
  // Joint handling: a department with an active step of the case's flow works on it too.
  bool joint = !p.department_code.empty() &&
               std::any_of(c->active_steps.begin(), c->active_steps.end(),
                           [&](const cases::ActiveStep& s) {
                             return s.def.department_code == p.department_code;
                           });
  std::string region;
  if (auto d = ctx.identity.GetDepartment(c->department_id); d.ok()) region = d->region_code;
  if (!party && !joint && !(p.scope != identity::Scope::kOwn &&
                  identity::InScope(p, {.department_id = c->department_id, .region_code = region}))) {
    return MakeError(ErrorCode::kNotFound, "not_found", "办件不存在");
  }
  return c;
}

std::string QueryCode() {
  return std::to_string(100000 + randombytes_uniform(900000));
}

Result<cases::Action> ReadAction(const Request& req) {
  BodyReader r(req.body());
  cases::Action a;
  auto kind = r.String("action", {.required = true, .max_chars = 40});
  auto reason = r.String("reason", {.max_chars = 2000});
  auto items = r.Strings("items", false, 50);
  auto step = r.String("step_id", {.max_chars = 100});
  auto chosen = r.String("chosen", {.max_chars = 100});
  auto opinion = r.String("opinion", {.max_chars = 2000});
  auto decision = r.String("decision", {.max_chars = 40});
  auto days = r.Int("days", false, 0, 366);
  auto basis = r.String("basis", {.max_chars = 500});
  auto notice = r.String("notice", {.max_chars = 2000});
  auto approval = r.String("approval", {.max_chars = 500});
  auto fee_item = r.String("fee_item", {.max_chars = 100});
  auto amount = r.Int("amount_fen", false, 0, 100'000'000'000);
  auto passed = r.Bool("passed");
  auto fields = r.FlatObject("data");
  if (Status st = r.Done(); !st.ok()) return st.error();
  auto k = cases::ParseAction(*kind);
  if (!k) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.enum", "未知的办件操作：" + *kind,
                     "action");
  }
  a.kind = *k;
  a.reason = reason.value_or("");
  a.items = items.value_or(std::vector<std::string>{});
  a.step_id = step.value_or("");
  a.chosen = chosen;
  a.opinion = opinion.value_or("");
  if (decision) {
    a.decision = cases::ParseDecision(*decision);
    if (!a.decision) {
      return MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                       "decision 须为 grant、refuse 或 grant_on_commitment", "decision");
    }
  }
  a.days = static_cast<int32_t>(days.value_or(0));
  a.basis = basis.value_or("");
  a.notice = notice.value_or("");
  a.approval = approval.value_or("");
  a.fee_item = fee_item.value_or("");
  a.amount_fen = amount.value_or(0);
  a.passed = passed;
  if (fields) a.data = std::move(*fields);
  return a;
}

json::object MaterialJson(const store::MaterialInfo& m) {
  auto trust = m.trust;
  std::string trust_title = trust;
  for (auto t : {cases::Trust::kIssuer, cases::Trust::kWindowVerified, cases::Trust::kUploaded,
                 cases::Trust::kDeclared}) {
    if (cases::TrustName(t) == trust) trust_title = std::string(cases::TrustTitle(t));
  }
  return {{"id", m.id},
          {"name", m.name},
          {"file_name", m.file_name},
          {"media_type", m.media_type},
          {"size_bytes", m.size_bytes},
          {"sha256", m.sha256},
          {"trust", trust},
          {"trust_title", trust_title},
          {"source_case_no", m.source_case_no},
          {"stored_at", IsoLocal(m.created_at)}};
}

json::object CaseMaterialJson(const store::CaseMaterial& cm) {
  json::object o = MaterialJson(cm.material);
  o["requirement"] = cm.requirement;
  o["reused"] = cm.reused;
  o["attached_at"] = IsoLocal(cm.attached_at);
  return o;
}

// Whether the caller may read the materials library of OWNER_CODE: window staff doing intake,
// or the applicant side of a case of that owner.
bool MayReadLibrary(ApiContext& ctx, const identity::Principal& p, const std::string& owner) {
  if (p.Has(identity::perm::kCasesApply) && p.department_id && HasRole(p, "clerk")) return true;
  store::CaseQuery q;
  q.party_user_id = p.user_id;
  q.q = owner;
  q.page.page_size = 1;
  auto mine = ctx.cases->List(q);
  return mine.ok() && mine->total > 0;
}

}  // namespace

void RegisterCaseRoutes(Router& router, ApiContext& ctx) {
  const std::string kRead(identity::perm::kCasesRead);
  const std::string kApply(identity::perm::kCasesApply);

  router.Add(
      verb::post, "/api/v1/cases", Access::kAuthenticated, kApply,
      {.summary = "申报办件（网上申请、窗口收件或代办）",
       .tag = "cases",
       .request_schema =
           R"({"type":"object","required":["matter_code","applicant_kind","applicant_code","applicant_name"],"additionalProperties":false,"properties":{"matter_code":{"type":"string"},"applicant_kind":{"type":"string","enum":["enterprise","citizen"]},"applicant_code":{"type":"string","description":"统一社会信用代码或身份证号（校验位）"},"applicant_name":{"type":"string"},"contact_phone":{"type":"string"},"service_mode":{"type":"string","enum":["online","window","on_site","appointment","accompanied"]},"key_project_id":{"type":"integer","description":"重点项目：代办员为项目申报时必填"},"data":{"type":"object"}}})",
       .response_schema = kCaseSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto matter_code = r.String("matter_code", {.required = true, .max_chars = 36});
        auto kind = r.String("applicant_kind", {.required = true, .max_chars = 20});
        auto code = r.String("applicant_code", {.required = true, .max_chars = 18});
        auto name = r.String("applicant_name", {.required = true, .max_chars = 100});
        auto phone = r.String("contact_phone", {.max_chars = 20});
        auto mode = r.String("service_mode", {.max_chars = 20});
        auto key_project = r.Int("key_project_id", false, 1);
        auto data = r.FlatObject("data");
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (*kind != "enterprise" && *kind != "citizen") {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                                   "applicant_kind 须为 enterprise 或 citizen", "applicant_kind"));
        }
        for (auto& ch : *code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        bool code_ok = *kind == "enterprise" ? cases::ValidCreditCode(*code)
                                             : cases::ValidIdNumber(*code);
        if (!code_ok) {
          return Problem(MakeError(
              ErrorCode::kInvalidArgument, "validation.applicant_code",
              *kind == "enterprise" ? "统一社会信用代码无效（18位，校验码不符）"
                                    : "身份证号码无效（18位，校验码不符）",
              "applicant_code"));
        }
        const std::set<std::string> modes = {"online", "window", "on_site", "appointment",
                                             "accompanied"};
        if (mode && !modes.count(*mode)) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                                   "未知的服务方式", "service_mode"));
        }
        auto version = ctx.catalog->PublishedByCode(*matter_code);
        if (!version.ok()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "cases.unknown_matter",
                                   "事项不存在或尚未发布", "matter_code"));
        }
        auto dept = ctx.identity.GetDepartment(version->def.department_id);
        if (!dept.ok()) return Problem(dept.error());
        const auto& p = *req.principal;
        cases::Case c;
        c.matter_version_id = version->id;
        c.matter_code = version->def.code;
        c.matter_name = version->def.name;
        c.department_id = dept->id;
        c.department_code = dept->code;
        c.applicant_kind = *kind;
        c.applicant_code = *code;
        c.applicant_name = *name;
        c.contact_phone = phone.value_or("");
        if (HasRole(p, "clerk")) {
          c.channel = cases::Channel::kWindow;
          c.service_mode = mode.value_or("window");
        } else if (HasRole(p, "proxy-agent")) {
          c.channel = cases::Channel::kProxy;
          c.agent_user_id = p.user_id;
          c.service_mode = mode.value_or("accompanied");
        } else {
          c.channel = cases::Channel::kOnline;
          c.applicant_user_id = p.user_id;
          c.service_mode = mode.value_or("online");
        }
        if (data) c.data = std::move(*data);
        if (key_project) {
          // Proxy handling: a key project's approvals are applied for by its assigned agent.
          auto agent = ctx.cases->KeyProjectAgent(*key_project);
          if (!agent.ok()) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "cases.unknown_key_project",
                                     "重点项目不存在", "key_project_id"));
          }
          if (HasRole(p, "proxy-agent") && *agent != p.user_id) {
            return Problem(MakeError(ErrorCode::kPermissionDenied, "cases.not_project_agent",
                                     "您不是该重点项目的代办员", "key_project_id"));
          }
          c.key_project_id = *key_project;
          if (*agent) c.agent_user_id = **agent;
        }
        auto created = ctx.cases->Create(std::move(c), QueryCode(), ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(CaseJson(ctx, *created), 201);
      });

  std::vector<QueryParamDoc> list_q = kPageParams;
  list_q.push_back({"state", "string", "办件状态"});
  list_q.push_back({"q", "string", "办件编号、申请人或事项名称"});
  list_q.push_back({"open", "boolean", "仅在办"});
  router.Add(verb::get, "/api/v1/cases", Access::kAuthenticated, kRead,
             {.summary = "办件列表（限于数据范围）", .tag = "cases",
              .response_schema = PageSchema(kCaseSchema), .query = list_q},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               store::CaseQuery q;
               q.page = *page;
               ScopeCaseQuery(*req.principal, q);
               q.q = req.Query("q");
               if (auto s = req.Query("state")) {
                 if (!cases::ParseCaseState(*s)) {
                   return Problem(BadParameter("state", "未知的办件状态"));
                 }
                 q.state = *s;
               }
               q.open_only = req.Query("open") == "true";
               auto result = ctx.cases->List(q);
               if (!result.ok()) return Problem(result.error());
               json::array items;
               for (const auto& c : result->items) items.push_back(CaseJson(ctx, c));
               return JsonOk(json::object{{"items", std::move(items)}, {"total", result->total}});
             });

  router.Add(
      verb::get, "/api/v1/cases/inbox", Access::kAuthenticated, kRead,
      {.summary = "我的待办：我现在可以办理的办件，按剩余时间排序", .tag = "cases",
       .response_schema = PageSchema(kCaseSchema), .query = kPageParams},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        const auto& p = *req.principal;
        if (!p.department_id) return PageResponse(std::vector<json::object>{}, *page,
                                                  [](const json::object& o) { return o; });
        store::InboxQuery q{*p.department_id, p.department_code, p.roles, *page};
        auto result = ctx.cases->Inbox(q);
        if (!result.ok()) return Problem(result.error());
        json::array items;
        for (const auto& c : result->items) items.push_back(CaseJson(ctx, c));
        return JsonOk(json::object{{"items", std::move(items)}, {"total", result->total}});
      });

  router.Add(verb::get, "/api/v1/cases/{id}", Access::kAuthenticated, kRead,
             {.summary = "办件详情", .tag = "cases", .response_schema = kCaseSchema},
             [&ctx](Request& req) {
               auto c = VisibleCase(ctx, req);
               if (!c.ok()) return Problem(c.error());
               return JsonOk(CaseJson(ctx, *c));
             });

  router.Add(
      verb::post, "/api/v1/cases/{id}/actions", Access::kAuthenticated, kRead,
      {.summary = "办理操作：accept、decline、request_correction、resubmit、complete_step、"
                  "start_special_procedure、end_special_procedure、extend、conclude、"
                  "collect_fee、deliver、withdraw、verify_commitment、supervise",
       .tag = "cases",
       .request_schema =
           R"({"type":"object","required":["action"],"additionalProperties":false,"properties":{"action":{"type":"string","enum":["accept","decline","request_correction","resubmit","complete_step","start_special_procedure","end_special_procedure","extend","conclude","collect_fee","deliver","withdraw","verify_commitment","supervise"]},"reason":{"type":"string"},"items":{"type":"array","items":{"type":"string"}},"step_id":{"type":"string"},"chosen":{"type":"string"},"opinion":{"type":"string"},"data":{"type":"object"},"decision":{"type":"string","enum":["grant","refuse","grant_on_commitment"]},"days":{"type":"integer"},"basis":{"type":"string"},"notice":{"type":"string"},"approval":{"type":"string"},"fee_item":{"type":"string"},"amount_fen":{"type":"integer"},"passed":{"type":"boolean"}}})",
       .response_schema = kCaseSchema},
      [&ctx](Request& req) {
        auto c = VisibleCase(ctx, req);
        if (!c.ok()) return Problem(c.error());
        auto action = ReadAction(req);
        if (!action.ok()) return Problem(action.error());
        auto version = ctx.flows->Version(*ctx.catalog, c->matter_version_id);
        if (!version.ok()) return Problem(version.error());
        auto flow = ctx.flows->Get(**version);
        if (!flow.ok()) return Problem(flow.error());
        auto cal = ctx.calendar.Current();
        if (!cal) {
          return Problem(MakeError(ErrorCode::kUnavailable, "calendar.not_loaded", "工作日历未加载"));
        }
        cases::Context dctx{*cal, (*version)->def, **flow};
        cases::Actor actor{req.principal.get(), ctx.clock.Now()};
        auto outcome = cases::Decide(*c, *action, actor, dctx);
        if (!outcome.ok()) return Problem(outcome.error());
        auto stored = ctx.cases->Apply(*outcome, c->version, ActorOf(req, ctx.clock));
        if (!stored.ok()) return Problem(stored.error());
        return JsonOk(CaseJson(ctx, *stored));
      });

  router.Add(verb::get, "/api/v1/cases/{id}/events", Access::kAuthenticated, kRead,
             {.summary = "办件的全部操作记录（时间线）", .tag = "cases",
              .response_schema = PageSchema(R"({"type":"object"})"), .query = kPageParams},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto c = VisibleCase(ctx, req);
               if (!c.ok()) return Problem(c.error());
               auto events = ctx.cases->Events(c->id);
               if (!events.ok()) return Problem(events.error());
               // Who acted, by name: the record names staff by their display name (the
               // applicant as 申请人), whatever the reader's own rights to the user list.
               std::map<std::string, std::string> names;
               if (auto users = ctx.identity.ListUsers(); users.ok()) {
                 for (const auto& u : *users) {
                   bool applicant = c->applicant_user_id && *c->applicant_user_id == u.id;
                   names["user:" + std::to_string(u.id)] =
                       applicant ? std::string("申请人") : u.display_name;
                 }
               }
               return PageResponse(*events, *page, [&names](const db::Event& e) {
                 json::error_code ec;
                 json::value data = json::parse(e.data, ec);
                 auto name = names.find(e.actor);
                 return json::object{{"seq", e.seq},
                                     {"at", IsoLocal(FromUnixMillis(e.at_ms))},
                                     {"actor", e.actor},
                                     {"actor_name", name == names.end() ? std::string() : name->second},
                                     {"kind", e.kind},
                                     {"data", ec ? json::value(json::object{}) : data}};
               });
             });

  router.Add(
      verb::get, "/api/v1/cases/{id}/deadline", Access::kAuthenticated, kRead,
      {.summary = "时限说明：逐日列出节假日、调休上班日与暂停", .tag = "cases",
       .response_schema = R"({"type":"object","properties":{"statutory":{"type":["object","null"]},"promised":{"type":["object","null"]}}})"},
      [&ctx](Request& req) {
        auto c = VisibleCase(ctx, req);
        if (!c.ok()) return Problem(c.error());
        auto cal = ctx.calendar.Current();
        if (!cal) {
          return Problem(MakeError(ErrorCode::kUnavailable, "calendar.not_loaded", "工作日历未加载"));
        }
        auto explain = [&](const std::optional<cases::LegalClock>& clock) -> Result<json::value> {
          if (!clock) return json::value(nullptr);
          auto e = cases::ExplainClock(*cal, *clock, ctx.clock.Now());
          if (!e.ok()) return e.error();
          json::array days, notes;
          for (const auto& d : e->days) {
            days.push_back(json::object{{"date", calendar::FormatDate(d.date)},
                                        {"kind", calendar::DayKindName(d.kind)},
                                        {"name", d.name},
                                        {"counted", d.counted},
                                        {"paused", d.paused},
                                        {"ordinal", d.ordinal}});
          }
          for (const auto& n : e->notes) notes.emplace_back(n);
          json::object o{{"limit", clock->limit.value},
                         {"unit", catalog::LimitUnitName(clock->limit.unit)},
                         {"paused", clock->paused},
                         {"provisional", clock->provisional},
                         {"deadline", clock->paused ? json::value(nullptr)
                                                    : json::value(IsoLocal(clock->deadline))},
                         {"notes", std::move(notes)},
                         {"days", std::move(days)}};
          return json::value(std::move(o));
        };
        auto s = explain(c->statutory);
        if (!s.ok()) return Problem(s.error());
        auto p = explain(c->promised);
        if (!p.ok()) return Problem(p.error());
        return JsonOk(json::object{{"statutory", *s}, {"promised", *p}});
      });

  // ---- Materials ----
  router.Add(
      verb::post, "/api/v1/materials", Access::kAuthenticated, kRead,
      {.summary = "上传申请材料（请求体为文件本身：PDF、JPEG、PNG 或 OFD，不超过 20 MB），并附到办件；"
                  "同一申请人交过的相同文件（SHA-256 相同）直接复用",
       .tag = "cases",
       .request_schema = R"({"type":"string","contentMediaType":"application/pdf"})",
       .response_schema = R"({"type":"object","properties":{"id":{"type":"integer"},"sha256":{"type":"string"},"reused":{"type":"boolean"}}})",
       .success_status = 201,
       .query = {{"case_id", "integer", "附到的办件"},
                 {"name", "string", "对应的材料要求，如「营业执照」"},
                 {"file_name", "string", "原文件名"}},
       .request_content_type = "application/octet-stream"},
      [&ctx](Request& req) {
        auto case_id = QueryInt(req, "case_id");
        if (!case_id.ok()) return Problem(case_id.error());
        if (!*case_id) return Problem(BadParameter("case_id", "须指定 case_id"));
        auto name = req.Query("name");
        if (!name || name->size() > 200) return Problem(BadParameter("name", "须写明材料名称"));
        std::string file_name = req.Query("file_name").value_or(*name);
        Request scoped = req;
        scoped.params["id"] = std::to_string(**case_id);
        auto c = VisibleCase(ctx, scoped);
        if (!c.ok()) return Problem(c.error());
        if (cases::IsClosed(c->state)) {
          return Problem(MakeError(ErrorCode::kFailedPrecondition, "case.not_allowed_now",
                                   "办件已办结，不能再补充材料"));
        }
        auto type = cases::CheckMaterialFile(req.Header("Content-Type"), req.body());
        if (!type.ok()) return Problem(type.error());
        const auto& p = *req.principal;
        bool staff = p.department_id && *p.department_id == c->department_id;
        bool reused = false;
        auto stored = ctx.materials->Put(
            c->applicant_code, *name, file_name, *type, req.body(),
            staff ? cases::Trust::kWindowVerified : cases::Trust::kUploaded, c->id,
            ActorOf(req, ctx.clock), &reused);
        if (!stored.ok()) return Problem(stored.error());
        auto attached = ctx.materials->Attach(c->id, stored->id, *name, ActorOf(req, ctx.clock));
        if (!attached.ok()) return Problem(attached.error());
        json::object o = CaseMaterialJson(*attached);
        o["reused"] = reused || attached->reused;
        return JsonOk(o, 201);
      });

  router.Add(
      verb::get, "/api/v1/materials", Access::kAuthenticated, kRead,
      {.summary = "申请人的材料库：已交过的材料，可直接复用", .tag = "cases",
       .response_schema = PageSchema(R"({"type":"object"})"),
       .query = {{"owner_code", "string", "申请人统一社会信用代码或身份证号"},
                 {"page", "integer", "页码"}, {"page_size", "integer", "每页条数"}}},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        auto owner = req.Query("owner_code");
        if (!owner) return Problem(BadParameter("owner_code", "须指定 owner_code"));
        if (!MayReadLibrary(ctx, *req.principal, *owner)) {
          return PageResponse(std::vector<store::MaterialInfo>{}, *page, MaterialJson);
        }
        auto list = ctx.materials->ListByOwner(*owner);
        if (!list.ok()) return Problem(list.error());
        return PageResponse(*list, *page, MaterialJson);
      });

  router.Add(
      verb::post, "/api/v1/cases/{id}/materials", Access::kAuthenticated, kRead,
      {.summary = "从申请人的材料库复用一份材料附到办件", .tag = "cases",
       .request_schema = R"({"type":"object","required":["material_id","requirement"],"additionalProperties":false,"properties":{"material_id":{"type":"integer"},"requirement":{"type":"string"}}})",
       .response_schema = R"({"type":"object"})", .success_status = 201},
      [&ctx](Request& req) {
        auto c = VisibleCase(ctx, req);
        if (!c.ok()) return Problem(c.error());
        BodyReader r(req.body());
        auto material = r.Int("material_id", true, 1);
        auto requirement = r.String("requirement", {.required = true, .max_chars = 200});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto m = ctx.materials->Get(*material);
        if (!m.ok() || m->owner_code != c->applicant_code) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "materials.not_owner",
                                   "材料不存在或不属于本办件的申请人", "material_id"));
        }
        auto attached = ctx.materials->Attach(c->id, m->id, *requirement, ActorOf(req, ctx.clock));
        if (!attached.ok()) return Problem(attached.error());
        return JsonOk(CaseMaterialJson(*attached), 201);
      });

  router.Add(verb::get, "/api/v1/cases/{id}/materials", Access::kAuthenticated, kRead,
             {.summary = "办件的材料：来源、可信等级、是否复用", .tag = "cases",
              .response_schema = PageSchema(R"({"type":"object"})"), .query = kPageParams},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto c = VisibleCase(ctx, req);
               if (!c.ok()) return Problem(c.error());
               auto list = ctx.materials->OfCase(c->id);
               if (!list.ok()) return Problem(list.error());
               return PageResponse(*list, *page, CaseMaterialJson);
             });

  router.Add(
      verb::get, "/api/v1/cases/{id}/materials/{material_id}/content", Access::kAuthenticated,
      kRead,
      {.summary = "下载办件的一份材料", .tag = "cases",
       .response_schema = R"({"type":"string","contentMediaType":"application/octet-stream"})",
       .response_content_type = "application/octet-stream"},
      [&ctx](Request& req) {
        auto c = VisibleCase(ctx, req);
        if (!c.ok()) return Problem(c.error());
        auto mid = PathId(req, "material_id");
        if (!mid.ok()) return Problem(mid.error());
        auto list = ctx.materials->OfCase(c->id);
        if (!list.ok()) return Problem(list.error());
        auto it = std::find_if(list->begin(), list->end(),
                               [&](const store::CaseMaterial& m) { return m.material.id == *mid; });
        if (it == list->end()) {
          return Problem(MakeError(ErrorCode::kNotFound, "not_found", "材料不存在"));
        }
        auto bytes = ctx.materials->Content(*mid);
        if (!bytes.ok()) return Problem(bytes.error());
        Response r;
        r.content_type = it->material.media_type;
        r.body = std::move(*bytes);
        r.headers.emplace_back("X-Content-SHA256", it->material.sha256);
        return r;
      });

  router.Add(
      verb::get, "/api/v1/public/cases/{case_no}", Access::kPublic, "",
      {.summary = "办件进度公开查询（需查询码；不含个人信息）", .tag = "public",
       .response_schema = R"({"type":"object","properties":{"case_no":{"type":"string"},"matter_name":{"type":"string"},"state":{"type":"string"},"state_title":{"type":"string"}}})",
       .query = {{"query_code", "string", "受理回执上的查询码"}}},
      [&ctx](Request& req) {
        auto c = ctx.cases->GetByNumber(req.params["case_no"]);
        auto code = req.Query("query_code");
        // A wrong query code answers exactly like an unknown case number.
        if (!c.ok() || !code || *code != c->query_code) {
          return Problem(MakeError(ErrorCode::kNotFound, "not_found", "办件编号或查询码不正确"));
        }
        json::object o{{"case_no", c->case_no},
                       {"matter_code", c->matter_code},
                       {"matter_name", c->matter_name},
                       {"state", cases::CaseStateName(c->state)},
                       {"state_title", cases::CaseStateTitle(c->state)},
                       {"submitted_at", IsoLocal(c->submitted_at)},
                       {"promised_deadline", Iso(c->promised)}};
        json::array steps;
        for (const auto& s : c->active_steps) steps.emplace_back(s.def.name);
        o["current_steps"] = std::move(steps);
        if (auto d = ctx.identity.GetDepartment(c->department_id); d.ok()) {
          o["department_name"] = d->name;
        }
        return JsonOk(o);
      });
}

}  // namespace xn::http
