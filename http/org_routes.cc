// Regions, departments, sections and windows: /api/v1/regions, /departments, /windows.
// Reads need org.read and answer only what lies in the caller's data scope (an object outside
// it answers 404, as if it did not exist); writes need org.write (the system admin).
#include "http/api.h"
#include "http/json_body.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;
using identity::Placement;

namespace {

const char* kRegionSchema = R"({"type":"object","required":["code","name","level"],"properties":{"code":{"type":"string","pattern":"^[0-9]{6}$"},"name":{"type":"string"},"level":{"type":"string","enum":["province","city","county"]},"parent_code":{"type":["string","null"]}}})";
const char* kDepartmentSchema = R"({"type":"object","required":["id","code","name","region_code"],"properties":{"id":{"type":"integer"},"code":{"type":"string"},"name":{"type":"string"},"short_name":{"type":"string"},"region_code":{"type":"string"}}})";
const char* kSectionSchema = R"({"type":"object","required":["id","department_id","name"],"properties":{"id":{"type":"integer"},"department_id":{"type":"integer"},"name":{"type":"string"}}})";
const char* kWindowSchema = R"({"type":"object","required":["id","code","name","department_id"],"properties":{"id":{"type":"integer"},"code":{"type":"string"},"name":{"type":"string"},"department_id":{"type":"integer"},"department_name":{"type":"string"},"hall":{"type":"string"},"active":{"type":"boolean"}}})";

json::object RegionJson(const store::Region& r) {
  return {{"code", r.code},
          {"name", r.name},
          {"level", identity::RegionLevelName(r.level)},
          {"parent_code", r.parent_code ? json::value(*r.parent_code) : json::value(nullptr)}};
}
json::object DepartmentJson(const store::Department& d) {
  return {{"id", d.id}, {"code", d.code}, {"name", d.name}, {"short_name", d.short_name},
          {"region_code", d.region_code}};
}
json::object SectionJson(const store::Section& s) {
  return {{"id", s.id}, {"department_id", s.department_id}, {"name", s.name}};
}
json::object WindowJson(const store::Window& w) {
  return {{"id", w.id},          {"code", w.code},
          {"name", w.name},      {"department_id", w.department_id},
          {"department_name", w.department_name}, {"hall", w.hall},
          {"active", w.active}};
}

bool Contains(const std::string& hay, const std::optional<std::string>& needle) {
  return !needle || hay.find(*needle) != std::string::npos;
}

Error OutOfScope(const char* what) {
  return MakeError(ErrorCode::kNotFound, "not_found", std::string(what) + "不存在");
}

// A department the caller may see, or 404.
Result<store::Department> VisibleDepartment(ApiContext& ctx, const Request& req, int64_t id) {
  auto d = ctx.identity.GetDepartment(id);
  if (!d.ok()) return d.error();
  if (!identity::InScope(*req.principal, Placement{.department_id = d->id,
                                                   .region_code = d->region_code})) {
    return OutOfScope("部门");
  }
  return d;
}

Status CheckRegionCode(const std::string& code, identity::RegionLevel level) {
  auto shape = identity::LevelOfRegionCode(code);
  if (!shape) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.region_code",
                     "行政区划代码须为6位数字（GB/T 2260）", "code");
  }
  if (*shape != level) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.region_level",
                     "行政区划代码与级别不符（省 XX0000、市 XXYY00、县 XXYYZZ）", "level");
  }
  return Ok();
}

}  // namespace

void RegisterOrgRoutes(Router& router, ApiContext& ctx) {
  const std::string kOrgRead(identity::perm::kOrgRead);
  const std::string kOrgWrite(identity::perm::kOrgWrite);

  // ---- Regions ----
  std::vector<QueryParamDoc> region_q = kPageParams;
  region_q.push_back({"q", "string", "按名称或代码搜索"});
  region_q.push_back({"level", "string", "province | city | county"});
  region_q.push_back({"parent_code", "string", "上级区划代码"});
  router.Add(verb::get, "/api/v1/regions", Access::kAuthenticated, kOrgRead,
             {.summary = "行政区划列表", .tag = "org", .response_schema = PageSchema(kRegionSchema),
              .query = region_q},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto all = ctx.identity.ListRegions();
               if (!all.ok()) return Problem(all.error());
               auto q = req.Query("q");
               auto level = req.Query("level");
               auto parent = req.Query("parent_code");
               std::vector<store::Region> out;
               for (auto& r : *all) {
                 if (!(Contains(r.name, q) || Contains(r.code, q))) continue;
                 if (level && identity::RegionLevelName(r.level) != *level) continue;
                 if (parent && r.parent_code != *parent) continue;
                 out.push_back(r);
               }
               return PageResponse(out, *page, RegionJson);
             });

  router.Add(verb::get, "/api/v1/regions/{code}", Access::kAuthenticated, kOrgRead,
             {.summary = "行政区划详情", .tag = "org", .response_schema = kRegionSchema},
             [&ctx](Request& req) {
               auto r = ctx.identity.GetRegion(req.params["code"]);
               if (!r.ok()) return Problem(r.error());
               return JsonOk(RegionJson(*r));
             });

  router.Add(
      verb::post, "/api/v1/regions", Access::kAuthenticated, kOrgWrite,
      {.summary = "新增行政区划",
       .tag = "org",
       .request_schema =
           R"({"type":"object","required":["code","name","level"],"additionalProperties":false,"properties":{"code":{"type":"string","pattern":"^[0-9]{6}$"},"name":{"type":"string","maxLength":50},"level":{"type":"string","enum":["province","city","county"]},"parent_code":{"type":["string","null"]}}})",
       .response_schema = kRegionSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto code = r.String("code", {.required = true, .max_chars = 6});
        auto name = r.String("name", {.required = true, .max_chars = 50});
        auto level_text = r.String("level", {.required = true, .max_chars = 10});
        auto parent = r.String("parent_code", {.max_chars = 6});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto level = identity::ParseRegionLevel(*level_text);
        if (!level) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                                   "level 须为 province、city 或 county", "level"));
        }
        if (Status s = CheckRegionCode(*code, *level); !s.ok()) return Problem(s.error());
        if (*level != identity::RegionLevel::kProvince) {
          if (!parent) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.required",
                                     "市、县级区划须指定上级区划", "parent_code"));
          }
          auto p = ctx.identity.GetRegion(*parent);
          if (!p.ok() || !identity::RegionContains(*parent, *code) || *parent == *code ||
              static_cast<int>(p->level) >= static_cast<int>(*level)) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.parent_region",
                                     "上级区划不存在或与代码不符", "parent_code"));
          }
        } else if (parent) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.parent_region",
                                   "省级区划没有上级区划", "parent_code"));
        }
        auto created = ctx.identity.CreateRegion({*code, *name, *level, parent},
                                                 ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(RegionJson(*created), 201);
      });

  router.Add(
      verb::patch, "/api/v1/regions/{code}", Access::kAuthenticated, kOrgWrite,
      {.summary = "修改行政区划名称",
       .tag = "org",
       .request_schema =
           R"({"type":"object","required":["name"],"additionalProperties":false,"properties":{"name":{"type":"string","maxLength":50}}})",
       .response_schema = kRegionSchema},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto name = r.String("name", {.required = true, .max_chars = 50});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto updated = ctx.identity.RenameRegion(req.params["code"], *name, ActorOf(req, ctx.clock));
        if (!updated.ok()) return Problem(updated.error());
        return JsonOk(RegionJson(*updated));
      });

  // ---- Departments ----
  std::vector<QueryParamDoc> dept_q = kPageParams;
  dept_q.push_back({"q", "string", "按名称或编码搜索"});
  dept_q.push_back({"region_code", "string", "所属行政区划"});
  router.Add(verb::get, "/api/v1/departments", Access::kAuthenticated, kOrgRead,
             {.summary = "部门列表（限于数据范围）", .tag = "org",
              .response_schema = PageSchema(kDepartmentSchema), .query = dept_q},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto all = ctx.identity.ListDepartments();
               if (!all.ok()) return Problem(all.error());
               auto q = req.Query("q");
               auto region = req.Query("region_code");
               std::vector<store::Department> out;
               for (auto& d : *all) {
                 if (!identity::InScope(*req.principal, Placement{.department_id = d.id,
                                                                  .region_code = d.region_code})) {
                   continue;
                 }
                 if (!(Contains(d.name, q) || Contains(d.code, q))) continue;
                 if (region && !identity::RegionContains(*region, d.region_code)) continue;
                 out.push_back(d);
               }
               return PageResponse(out, *page, DepartmentJson);
             });

  router.Add(verb::get, "/api/v1/departments/{id}", Access::kAuthenticated, kOrgRead,
             {.summary = "部门详情", .tag = "org", .response_schema = kDepartmentSchema},
             [&ctx](Request& req) {
               auto id = PathId(req, "id");
               if (!id.ok()) return Problem(id.error());
               auto d = VisibleDepartment(ctx, req, *id);
               if (!d.ok()) return Problem(d.error());
               return JsonOk(DepartmentJson(*d));
             });

  router.Add(
      verb::post, "/api/v1/departments", Access::kAuthenticated, kOrgWrite,
      {.summary = "新增部门",
       .tag = "org",
       .request_schema =
           R"({"type":"object","required":["code","name","region_code"],"additionalProperties":false,"properties":{"code":{"type":"string","maxLength":40},"name":{"type":"string","maxLength":100},"short_name":{"type":"string","maxLength":40},"region_code":{"type":"string"}}})",
       .response_schema = kDepartmentSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto code = r.String("code", {.required = true, .max_chars = 40});
        auto name = r.String("name", {.required = true, .max_chars = 100});
        auto short_name = r.String("short_name", {.max_chars = 40});
        auto region = r.String("region_code", {.required = true, .max_chars = 6});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (!ctx.identity.GetRegion(*region).ok()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.unknown_region",
                                   "行政区划不存在", "region_code"));
        }
        auto created = ctx.identity.CreateDepartment(
            {0, *code, *name, short_name.value_or(""), *region}, ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(DepartmentJson(*created), 201);
      });

  router.Add(
      verb::patch, "/api/v1/departments/{id}", Access::kAuthenticated, kOrgWrite,
      {.summary = "修改部门名称、简称",
       .tag = "org",
       .request_schema =
           R"({"type":"object","additionalProperties":false,"properties":{"name":{"type":"string","maxLength":100},"short_name":{"type":"string","maxLength":40}}})",
       .response_schema = kDepartmentSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body());
        auto name = r.String("name", {.required = false, .min_chars = 1, .max_chars = 100});
        auto short_name = r.String("short_name", {.max_chars = 40});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto d = ctx.identity.GetDepartment(*id);
        if (!d.ok()) return Problem(d.error());
        if (name) d->name = *name;
        if (short_name) d->short_name = *short_name;
        auto updated = ctx.identity.UpdateDepartment(*d, ActorOf(req, ctx.clock));
        if (!updated.ok()) return Problem(updated.error());
        return JsonOk(DepartmentJson(*updated));
      });

  // ---- Sections ----
  router.Add(verb::get, "/api/v1/departments/{id}/sections", Access::kAuthenticated, kOrgRead,
             {.summary = "部门的股室", .tag = "org", .response_schema = PageSchema(kSectionSchema),
              .query = kPageParams},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto id = PathId(req, "id");
               if (!id.ok()) return Problem(id.error());
               auto d = VisibleDepartment(ctx, req, *id);
               if (!d.ok()) return Problem(d.error());
               auto all = ctx.identity.ListSections(*id);
               if (!all.ok()) return Problem(all.error());
               return PageResponse(*all, *page, SectionJson);
             });

  router.Add(
      verb::post, "/api/v1/departments/{id}/sections", Access::kAuthenticated, kOrgWrite,
      {.summary = "新增股室",
       .tag = "org",
       .request_schema =
           R"({"type":"object","required":["name"],"additionalProperties":false,"properties":{"name":{"type":"string","maxLength":50}}})",
       .response_schema = kSectionSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body());
        auto name = r.String("name", {.required = true, .max_chars = 50});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (auto d = ctx.identity.GetDepartment(*id); !d.ok()) return Problem(d.error());
        auto created = ctx.identity.CreateSection({0, *id, *name}, ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(SectionJson(*created), 201);
      });

  // ---- Windows ----
  std::vector<QueryParamDoc> window_q = kPageParams;
  window_q.push_back({"q", "string", "按名称或编号搜索"});
  window_q.push_back({"department_id", "integer", "所属部门"});
  // Staff see the windows in their scope; the public (the portal books appointments at them)
  // sees the active ones. One handler serves both: only the visibility test differs.
  auto list_windows = [&ctx](Request& req) {
    auto page = ParsePage(req);
    if (!page.ok()) return Problem(page.error());
    auto dept = QueryInt(req, "department_id");
    if (!dept.ok()) return Problem(dept.error());
    auto all = ctx.identity.ListWindows();
    if (!all.ok()) return Problem(all.error());
    auto q = req.Query("q");
    std::vector<store::Window> out;
    for (auto& w : *all) {
      bool visible = req.principal
                         ? identity::InScope(*req.principal,
                                             Placement{.department_id = w.department_id,
                                                       .region_code = w.region_code})
                         : w.active;
      if (!visible) continue;
      if (!(Contains(w.name, q) || Contains(w.code, q))) continue;
      if (*dept && w.department_id != **dept) continue;
      out.push_back(w);
    }
    return PageResponse(out, *page, WindowJson);
  };
  router.Add(verb::get, "/api/v1/windows", Access::kAuthenticated, kOrgRead,
             {.summary = "窗口列表（限于数据范围）", .tag = "org",
              .response_schema = PageSchema(kWindowSchema), .query = window_q},
             list_windows);
  router.Add(verb::get, "/api/v1/public/windows", Access::kPublic, "",
             {.summary = "行政服务中心的窗口（公开，仅启用的）", .tag = "public",
              .response_schema = PageSchema(kWindowSchema), .query = window_q},
             list_windows);

  router.Add(verb::get, "/api/v1/windows/{id}", Access::kAuthenticated, kOrgRead,
             {.summary = "窗口详情", .tag = "org", .response_schema = kWindowSchema},
             [&ctx](Request& req) {
               auto id = PathId(req, "id");
               if (!id.ok()) return Problem(id.error());
               auto w = ctx.identity.GetWindow(*id);
               if (!w.ok()) return Problem(w.error());
               if (!identity::InScope(*req.principal, Placement{.department_id = w->department_id,
                                                                .region_code = w->region_code})) {
                 return Problem(OutOfScope("窗口"));
               }
               return JsonOk(WindowJson(*w));
             });

  router.Add(
      verb::post, "/api/v1/windows", Access::kAuthenticated, kOrgWrite,
      {.summary = "新增窗口",
       .tag = "org",
       .request_schema =
           R"({"type":"object","required":["code","name","department_id"],"additionalProperties":false,"properties":{"code":{"type":"string","maxLength":20},"name":{"type":"string","maxLength":50},"department_id":{"type":"integer"},"hall":{"type":"string","maxLength":50}}})",
       .response_schema = kWindowSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto code = r.String("code", {.required = true, .max_chars = 20});
        auto name = r.String("name", {.required = true, .max_chars = 50});
        auto dept = r.Int("department_id", true, 1);
        auto hall = r.String("hall", {.max_chars = 50});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (!ctx.identity.GetDepartment(*dept).ok()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.unknown_department",
                                   "部门不存在", "department_id"));
        }
        store::Window w;
        w.code = *code;
        w.name = *name;
        w.department_id = *dept;
        w.hall = hall.value_or("");
        auto created = ctx.identity.CreateWindow(w, ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(WindowJson(*created), 201);
      });

  router.Add(
      verb::patch, "/api/v1/windows/{id}", Access::kAuthenticated, kOrgWrite,
      {.summary = "修改窗口（名称、大厅、启用）",
       .tag = "org",
       .request_schema =
           R"({"type":"object","additionalProperties":false,"properties":{"name":{"type":"string","maxLength":50},"hall":{"type":"string","maxLength":50},"active":{"type":"boolean"}}})",
       .response_schema = kWindowSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        BodyReader r(req.body());
        auto name = r.String("name", {.required = false, .min_chars = 1, .max_chars = 50});
        auto hall = r.String("hall", {.max_chars = 50});
        auto active = r.Bool("active");
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto w = ctx.identity.GetWindow(*id);
        if (!w.ok()) return Problem(w.error());
        if (name) w->name = *name;
        if (hall) w->hall = *hall;
        if (active) w->active = *active;
        auto updated = ctx.identity.UpdateWindow(*w, ActorOf(req, ctx.clock));
        if (!updated.ok()) return Problem(updated.error());
        return JsonOk(WindowJson(*updated));
      });
}

}  // namespace xn::http
