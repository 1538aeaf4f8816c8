// The power list: /api/v1/matters (staff) and /api/v1/public/matters (everyone).
// Editing needs catalog.write and is limited to the caller's scope (a department head edits
// their own department's matters); an edit is a draft until published.
#include "domain/cases/fixed_flow.h"
#include "http/api.h"
#include "http/json_body.h"
#include "store/cases/codec.h"
#include "store/flow/bpmn_import.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

Result<std::shared_ptr<const cases::FixedFlow>> FlowCache::Get(
    const store::MatterVersion& version) {
  {
    std::lock_guard lock(mu_);
    if (auto it = flows_.find(version.id); it != flows_.end()) return it->second;
  }
  std::shared_ptr<const cases::FixedFlow> built;
  if (version.def.flow_bpmn.empty()) {
    built = std::make_shared<const cases::FixedFlow>(cases::DefaultFlow());
  } else {
    auto imported = flow::ImportBpmn(version.def.flow_bpmn);
    if (!imported.ok()) return imported.error();
    if (!imported->flow) {
      return MakeError(ErrorCode::kInternal, "catalog.flow_unusable",
                       "stored flow of matter version " + std::to_string(version.id) +
                           " cannot be imported");
    }
    auto resolved = cases::ResolveDepartments(*imported->flow, department_codes(),
                                              region_of(version.def.department_id));
    if (!resolved.ok()) return resolved.error();
    built = std::make_shared<const cases::FixedFlow>(std::move(*resolved));
  }
  std::lock_guard lock(mu_);
  return flows_.emplace(version.id, built).first->second;
}

Result<std::shared_ptr<const store::MatterVersion>> FlowCache::Version(
    const store::CatalogStore& catalog, int64_t version_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = versions_.find(version_id); it != versions_.end()) return it->second;
  }
  auto v = catalog.Version(version_id);
  if (!v.ok()) return v.error();
  auto shared = std::make_shared<const store::MatterVersion>(std::move(*v));
  if (shared->status == "draft") return shared;  // drafts change: never cached
  std::lock_guard lock(mu_);
  return versions_.emplace(version_id, shared).first->second;
}

Status CheckMatterDefinition(ApiContext& ctx, const catalog::MatterDef& def) {
  if (Status s = catalog::CheckMatter(def); !s.ok()) return s;
  if (def.flow_bpmn.empty()) return Ok();
  auto imported = flow::ImportBpmn(def.flow_bpmn);
  if (!imported.ok()) {
    Error e = imported.error();
    e.field = "flow_bpmn";
    return e;
  }
  if (!imported->unsupported.empty() || !imported->flow) {
    std::string list;
    for (const auto& u : imported->unsupported) {
      list += "\n" + u.element + " " + u.id +
              (u.line ? "（第" + std::to_string(u.line) + "行）" : "") + "：" + u.reason;
    }
    return MakeError(ErrorCode::kInvalidArgument, "catalog.flow_unsupported",
                     "流程图含不支持的元素：" + list, "flow_bpmn");
  }
  std::string region;
  if (auto d = ctx.identity.GetDepartment(def.department_id); d.ok()) region = d->region_code;
  auto resolved =
      cases::ResolveDepartments(*imported->flow, ctx.flows->department_codes(), region);
  if (!resolved.ok()) return resolved.error();
  return Ok();
}

namespace {

const char* kMatterSchema = R"({"type":"object","required":["code","name","category","legal_basis","department_id","statutory","promised"],"properties":{"code":{"type":"string"},"name":{"type":"string"},"category":{"type":"string","enum":["licensing","penalty","coercion","levy","benefit","inspection","confirmation","reward","adjudication","other","public_service"]},"legal_basis":{"type":"string"},"department_id":{"type":"integer"},"statutory":{"type":"object","required":["value","unit"],"properties":{"value":{"type":"integer"},"unit":{"type":"string","enum":["working_days","calendar_days","hours"]},"note":{"type":"string"}}},"promised":{"type":"object","required":["value","unit"],"properties":{"value":{"type":"integer"},"unit":{"type":"string","enum":["working_days","calendar_days","hours"]},"note":{"type":"string"}}},"fees":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"basis":{"type":"string"},"amount_fen":{"type":"integer"}}}},"materials":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"required":{"type":"boolean"},"copies":{"type":"integer"},"note":{"type":"string"}}}},"acceptance_conditions":{"type":"string"},"special_procedures":{"type":"string"},"discretion":{"type":"array","items":{"type":"object","properties":{"circumstance":{"type":"string"},"outcome":{"type":"string"}}}},"description":{"type":"string"},"flow_bpmn":{"type":"string","description":"BPMN 2.0 XML of the fixed flow; empty for the default flow"},"commitment_allowed":{"type":"boolean"},"verification_days":{"type":"integer"},"note":{"type":"string","description":"what this version changes"}}})";
const char* kSummarySchema = R"({"type":"object","properties":{"id":{"type":"integer"},"code":{"type":"string"},"name":{"type":"string"},"category":{"type":"string"},"category_title":{"type":"string"},"department_id":{"type":"integer"},"department_name":{"type":"string"},"published_version":{"type":["integer","null"]},"draft_version":{"type":["integer","null"]}}})";

const char* kMatterFields[] = {"code", "name", "category", "legal_basis", "department_id",
                               "statutory", "promised", "fees", "materials",
                               "acceptance_conditions", "special_procedures", "discretion",
                               "description", "flow_bpmn", "commitment_allowed",
                               "verification_days", "note"};

json::object SummaryJson(const store::MatterSummary& m) {
  auto opt = [](const std::optional<int32_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  return {{"id", m.id},
          {"code", m.code},
          {"name", m.name},
          {"category", catalog::PowerCategoryName(m.category)},
          {"category_title", catalog::PowerCategoryTitle(m.category)},
          {"department_id", m.department_id},
          {"department_name", m.department_name},
          {"published_version", opt(m.published_version)},
          {"draft_version", opt(m.draft_version)}};
}

json::object VersionJson(const store::MatterVersion& v, bool with_definition) {
  json::object o{{"id", v.id},
                 {"version", v.version},
                 {"status", v.status},
                 {"change_note", v.change_note},
                 {"created_by", v.created_by},
                 {"created_at", IsoLocal(v.created_at)},
                 {"published_at", v.published_at ? json::value(IsoLocal(*v.published_at))
                                                 : json::value(nullptr)}};
  if (with_definition) o["definition"] = store::MatterToJson(v.def);
  return o;
}

// Reads a matter body strictly: known fields only, then the definition's own checks, then the
// flow (which must import with nothing unsupported).
Result<std::pair<catalog::MatterDef, std::string>> ReadMatter(ApiContext& ctx,
                                                              const Request& req) {
  json::error_code ec;
  json::value doc = json::parse(req.body(), ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument, "request.malformed_json",
                     "请求体不是合法的 JSON：" + ec.message());
  }
  if (!doc.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "request.not_object", "请求体须为 JSON 对象");
  }
  for (const auto& kv : doc.as_object()) {
    bool known = std::any_of(std::begin(kMatterFields), std::end(kMatterFields),
                             [&](const char* f) { return kv.key() == f; });
    if (!known) {
      return MakeError(ErrorCode::kInvalidArgument, "request.unknown_field",
                       "未知字段：" + std::string(kv.key()), std::string(kv.key()));
    }
  }
  std::string note;
  if (const auto* n = doc.as_object().if_contains("note"); n && n->is_string()) {
    note = std::string(n->as_string());
  }
  auto def = store::MatterFromJson(doc);
  if (!def.ok()) return def.error();
  if (Status s = CheckMatterDefinition(ctx, *def); !s.ok()) return s.error();
  return std::make_pair(std::move(*def), note);
}

Status CheckDepartmentInScope(ApiContext& ctx, const Request& req, int64_t department_id) {
  auto d = ctx.identity.GetDepartment(department_id);
  if (!d.ok() || !identity::InScope(*req.principal, {.department_id = d->id,
                                                     .region_code = d->region_code})) {
    return MakeError(ErrorCode::kInvalidArgument, "catalog.department_out_of_scope",
                     "部门不存在或不在您的管理范围内", "department_id");
  }
  return Ok();
}

Result<store::MatterSummary> VisibleMatter(ApiContext& ctx, const Request& req) {
  auto id = PathId(req, "id");
  if (!id.ok()) return id.error();
  auto m = ctx.catalog->Get(*id);
  if (!m.ok()) return m.error();
  return m;
}

Result<store::MatterSummary> EditableMatter(ApiContext& ctx, const Request& req) {
  auto m = VisibleMatter(ctx, req);
  if (!m.ok()) return m.error();
  if (!identity::InScope(*req.principal, {.department_id = m->department_id,
                                          .region_code = m->region_code})) {
    return MakeError(ErrorCode::kNotFound, "not_found", "事项不存在");
  }
  return m;
}

std::vector<QueryParamDoc> MatterQueryDocs() {
  std::vector<QueryParamDoc> q = kPageParams;
  q.push_back({"q", "string", "按名称或编码搜索"});
  q.push_back({"department_id", "integer", "实施部门"});
  q.push_back({"category", "string", "权力类别"});
  return q;
}

Result<store::MatterQuery> ParseMatterQuery(const Request& req, bool published_only) {
  store::MatterQuery q;
  q.published_only = published_only;
  auto dept = QueryInt(req, "department_id");
  if (!dept.ok()) return dept.error();
  q.department_id = *dept;
  if (auto c = req.Query("category")) {
    q.category = catalog::ParsePowerCategory(*c);
    if (!q.category) return BadParameter("category", "未知的权力类别");
  }
  q.q = req.Query("q");
  return q;
}

}  // namespace

void RegisterCatalogRoutes(Router& router, ApiContext& ctx) {
  const std::string kOrgRead(identity::perm::kOrgRead);
  const std::string kWrite(identity::perm::kCatalogWrite);

  router.Add(verb::get, "/api/v1/matters", Access::kAuthenticated, kOrgRead,
             {.summary = "权力清单事项（含草稿版本号）", .tag = "catalog",
              .response_schema = PageSchema(kSummarySchema), .query = MatterQueryDocs()},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto q = ParseMatterQuery(req, false);
               if (!q.ok()) return Problem(q.error());
               auto all = ctx.catalog->List(*q);
               if (!all.ok()) return Problem(all.error());
               return PageResponse(*all, *page, SummaryJson);
             });

  router.Add(verb::get, "/api/v1/public/matters", Access::kPublic, "",
             {.summary = "公开的权力清单（仅已发布版本）", .tag = "public",
              .response_schema = PageSchema(kSummarySchema), .query = MatterQueryDocs()},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto q = ParseMatterQuery(req, true);
               if (!q.ok()) return Problem(q.error());
               auto all = ctx.catalog->List(*q);
               if (!all.ok()) return Problem(all.error());
               return PageResponse(*all, *page, [](const store::MatterSummary& m) {
                 json::object o = SummaryJson(m);
                 o.erase("draft_version");
                 return o;
               });
             });

  router.Add(
      verb::get, "/api/v1/public/matters/{code}", Access::kPublic, "",
      {.summary = "办事指南：已发布版本的事项详情", .tag = "public",
       .response_schema = R"({"type":"object","properties":{"version":{"type":"integer"},"definition":{"type":"object"}}})"},
      [&ctx](Request& req) {
        auto v = ctx.catalog->PublishedByCode(req.params["code"]);
        if (!v.ok()) return Problem(v.error());
        json::object o = VersionJson(*v, true);
        if (auto d = ctx.identity.GetDepartment(v->def.department_id); d.ok()) {
          o["department_name"] = d->name;
        }
        return JsonOk(o);
      });

  router.Add(verb::get, "/api/v1/matters/{id}", Access::kAuthenticated, kOrgRead,
             {.summary = "事项详情：现行版本与草稿", .tag = "catalog",
              .response_schema = R"({"type":"object"})"},
             [&ctx](Request& req) {
               auto m = VisibleMatter(ctx, req);
               if (!m.ok()) return Problem(m.error());
               auto versions = ctx.catalog->Versions(m->id);
               if (!versions.ok()) return Problem(versions.error());
               json::object o = SummaryJson(*m);
               o["published"] = nullptr;
               o["draft"] = nullptr;
               bool may_edit = req.principal->Has(identity::perm::kCatalogWrite) &&
                               identity::InScope(*req.principal, {.department_id = m->department_id,
                                                                  .region_code = m->region_code});
               for (const auto& v : *versions) {
                 if (v.status == "published") o["published"] = VersionJson(v, true);
                 if (v.status == "draft" && may_edit) o["draft"] = VersionJson(v, true);
               }
               o["editable"] = may_edit;
               return JsonOk(o);
             });

  router.Add(verb::get, "/api/v1/matters/{id}/versions", Access::kAuthenticated, kOrgRead,
             {.summary = "事项的版本与变更记录", .tag = "catalog",
              .response_schema = PageSchema(R"({"type":"object"})"), .query = kPageParams},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto m = VisibleMatter(ctx, req);
               if (!m.ok()) return Problem(m.error());
               auto versions = ctx.catalog->Versions(m->id);
               if (!versions.ok()) return Problem(versions.error());
               return PageResponse(*versions, *page, [](const store::MatterVersion& v) {
                 return VersionJson(v, false);
               });
             });

  router.Add(verb::get, "/api/v1/matters/{id}/versions/{version}", Access::kAuthenticated,
             kOrgRead,
             {.summary = "事项某一版本的完整定义（在办办件所依据的版本）", .tag = "catalog",
              .response_schema = R"({"type":"object"})"},
             [&ctx](Request& req) {
               auto m = VisibleMatter(ctx, req);
               if (!m.ok()) return Problem(m.error());
               auto versions = ctx.catalog->Versions(m->id);
               if (!versions.ok()) return Problem(versions.error());
               for (const auto& v : *versions) {
                 if (std::to_string(v.version) == req.params["version"] ||
                     "id:" + std::to_string(v.id) == req.params["version"]) {
                   if (v.status == "draft" && !identity::InScope(*req.principal,
                                                                 {.department_id = m->department_id,
                                                                  .region_code = m->region_code})) {
                     break;
                   }
                   return JsonOk(VersionJson(v, true));
                 }
               }
               return Problem(MakeError(ErrorCode::kNotFound, "not_found", "版本不存在"));
             });

  router.Add(verb::post, "/api/v1/matters", Access::kAuthenticated, kWrite,
             {.summary = "新建事项（保存为草稿版本 1）", .tag = "catalog",
              .request_schema = kMatterSchema, .response_schema = kSummarySchema,
              .success_status = 201},
             [&ctx](Request& req) {
               auto body = ReadMatter(ctx, req);
               if (!body.ok()) return Problem(body.error());
               if (Status s = CheckDepartmentInScope(ctx, req, body->first.department_id);
                   !s.ok()) {
                 return Problem(s.error());
               }
               auto created = ctx.catalog->Create(body->first, body->second,
                                                  ActorOf(req, ctx.clock));
               if (!created.ok()) return Problem(created.error());
               return JsonOk(SummaryJson(*created), 201);
             });

  router.Add(verb::put, "/api/v1/matters/{id}/draft", Access::kAuthenticated, kWrite,
             {.summary = "保存事项草稿（编码与实施部门不可改）", .tag = "catalog",
              .request_schema = kMatterSchema, .response_schema = R"({"type":"object"})"},
             [&ctx](Request& req) {
               auto m = EditableMatter(ctx, req);
               if (!m.ok()) return Problem(m.error());
               auto body = ReadMatter(ctx, req);
               if (!body.ok()) return Problem(body.error());
               if (body->first.code != m->code || body->first.department_id != m->department_id) {
                 return Problem(MakeError(ErrorCode::kInvalidArgument, "catalog.immutable_field",
                                          "事项编码和实施部门不能修改", "code"));
               }
               auto v = ctx.catalog->SaveDraft(m->id, body->first, body->second,
                                               ActorOf(req, ctx.clock));
               if (!v.ok()) return Problem(v.error());
               return JsonOk(VersionJson(*v, true));
             });

  router.Add(verb::post, "/api/v1/matters/{id}/publish", Access::kAuthenticated, kWrite,
             {.summary = "发布草稿：成为现行版本（在办办件仍按原版本办理）", .tag = "catalog",
              .response_schema = R"({"type":"object"})"},
             [&ctx](Request& req) {
               auto m = EditableMatter(ctx, req);
               if (!m.ok()) return Problem(m.error());
               auto v = ctx.catalog->Publish(m->id, ActorOf(req, ctx.clock));
               if (!v.ok()) return Problem(v.error());
               return JsonOk(VersionJson(*v, false));
             });
}

}  // namespace xn::http
