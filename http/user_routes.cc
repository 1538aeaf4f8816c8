// Users, roles and grants: /api/v1/users, /api/v1/roles, /api/v1/permissions.
// The system admin creates and maintains accounts (users.write) but grants no roles; the
// security admin defines roles and grants them (roles.write, grants.write) but creates no
// account; neither reads the audit log (三员分立).
#include "http/api.h"
#include "http/json_body.h"
#include "store/identity/password.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kUserSchema = R"({"type":"object","required":["id","username","display_name","active","roles"],"properties":{"id":{"type":"integer"},"username":{"type":"string"},"display_name":{"type":"string"},"department_id":{"type":["integer","null"]},"department_name":{"type":"string"},"section_id":{"type":["integer","null"]},"window_id":{"type":["integer","null"]},"region_code":{"type":"string"},"active":{"type":"boolean"},"locked_until":{"type":["string","null"]},"roles":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"title":{"type":"string"}}}}}})";
const char* kRoleSchema = R"({"type":"object","required":["id","name","title","builtin","duty","scope","permissions"],"properties":{"id":{"type":"integer"},"name":{"type":"string"},"title":{"type":"string"},"builtin":{"type":"boolean"},"duty":{"type":"string","enum":["business","system","security","audit"]},"scope":{"type":"string","enum":["own","section","department","region","all"]},"permissions":{"type":"array","items":{"type":"string"}}}})";

json::value OptInt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object UserJson(const store::User& u, Instant now) {
  json::array roles;
  for (const auto& r : u.roles) roles.push_back(json::object{{"name", r.name}, {"title", r.title}});
  bool locked = u.locked_until && *u.locked_until > now;
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"department_id", OptInt(u.department_id)},
          {"department_name", u.department_name},
          {"section_id", OptInt(u.section_id)},
          {"window_id", OptInt(u.window_id)},
          {"region_code", u.region_code},
          {"active", u.active},
          {"locked_until", locked ? json::value(IsoLocal(*u.locked_until)) : json::value(nullptr)},
          {"roles", std::move(roles)}};
}

json::object RoleJson(const store::StoredRole& r) {
  json::array perms;
  for (const auto& p : r.def.permissions) perms.emplace_back(p);
  return {{"id", r.id},
          {"name", r.def.name},
          {"title", r.def.title},
          {"builtin", r.def.builtin},
          {"duty", identity::DutyName(r.def.duty)},
          {"scope", identity::ScopeName(r.def.scope)},
          {"permissions", std::move(perms)}};
}

identity::Placement PlacementOf(const store::User& u) {
  return {.department_id = u.department_id, .section_id = u.section_id,
          .region_code = u.region_code, .owner_user_id = u.id};
}

// A user the caller may see, or 404.
Result<store::User> VisibleUser(ApiContext& ctx, const Request& req) {
  auto id = PathId(req, "id");
  if (!id.ok()) return id.error();
  auto u = ctx.identity.GetUser(*id);
  if (!u.ok()) return u.error();
  if (!identity::InScope(*req.principal, PlacementOf(*u))) {
    return MakeError(ErrorCode::kNotFound, "not_found", "用户不存在");
  }
  return u;
}

// The section and window given belong to the department given.
Status CheckPlacement(ApiContext& ctx, std::optional<int64_t> dept, std::optional<int64_t> section,
                      std::optional<int64_t> window) {
  if (dept && !ctx.identity.GetDepartment(*dept).ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.unknown_department", "部门不存在",
                     "department_id");
  }
  if (section) {
    auto s = ctx.identity.GetSection(*section);
    if (!s.ok() || !dept || s->department_id != *dept) {
      return MakeError(ErrorCode::kInvalidArgument, "validation.section_department",
                       "股室不存在或不属于所选部门", "section_id");
    }
  }
  if (window) {
    auto w = ctx.identity.GetWindow(*window);
    if (!w.ok() || !dept || w->department_id != *dept) {
      return MakeError(ErrorCode::kInvalidArgument, "validation.window_department",
                       "窗口不存在或不属于所选部门", "window_id");
    }
  }
  return Ok();
}

Result<identity::RoleDef> ReadRoleBody(BodyReader& r, identity::RoleDef base, bool create) {
  auto name = create ? r.String("name", {.required = true, .max_chars = 40}) : std::nullopt;
  auto title = r.String("title", {.required = create, .max_chars = 40});
  auto scope = r.String("scope", {.required = create, .max_chars = 20});
  auto perms = r.Strings("permissions", create, 50);
  if (Status s = r.Done(); !s.ok()) return s.error();
  if (name) base.name = *name;
  if (title) base.title = *title;
  if (scope) {
    auto sc = identity::ParseScope(*scope);
    if (!sc) {
      return MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                       "scope 须为 own、section、department、region 或 all", "scope");
    }
    base.scope = *sc;
  }
  if (perms) base.permissions = *perms;
  if (Status s = identity::CheckRoleDefinition(base); !s.ok()) return s.error();
  base.duty = identity::FindPermission(base.permissions.front())->duty;
  return base;
}

}  // namespace

void RegisterUserRoutes(Router& router, ApiContext& ctx) {
  const std::string kUsersRead(identity::perm::kUsersRead);
  const std::string kUsersWrite(identity::perm::kUsersWrite);
  const std::string kRolesRead(identity::perm::kRolesRead);
  const std::string kRolesWrite(identity::perm::kRolesWrite);
  const std::string kGrantsWrite(identity::perm::kGrantsWrite);

  std::vector<QueryParamDoc> user_q = kPageParams;
  user_q.push_back({"q", "string", "按用户名或姓名搜索"});
  user_q.push_back({"department_id", "integer", "所属部门"});
  router.Add(verb::get, "/api/v1/users", Access::kAuthenticated, kUsersRead,
             {.summary = "用户列表（限于数据范围）", .tag = "users",
              .response_schema = PageSchema(kUserSchema), .query = user_q},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto dept = QueryInt(req, "department_id");
               if (!dept.ok()) return Problem(dept.error());
               auto all = ctx.identity.ListUsers();
               if (!all.ok()) return Problem(all.error());
               auto q = req.Query("q");
               std::vector<store::User> out;
               for (auto& u : *all) {
                 if (!identity::InScope(*req.principal, PlacementOf(u))) continue;
                 if (q && u.username.find(*q) == std::string::npos &&
                     u.display_name.find(*q) == std::string::npos) {
                   continue;
                 }
                 if (*dept && u.department_id != **dept) continue;
                 out.push_back(std::move(u));
               }
               Instant now = ctx.clock.Now();
               return PageResponse(out, *page, [now](const store::User& u) {
                 return UserJson(u, now);
               });
             });

  router.Add(verb::get, "/api/v1/users/{id}", Access::kAuthenticated, kUsersRead,
             {.summary = "用户详情", .tag = "users", .response_schema = kUserSchema},
             [&ctx](Request& req) {
               auto u = VisibleUser(ctx, req);
               if (!u.ok()) return Problem(u.error());
               return JsonOk(UserJson(*u, ctx.clock.Now()));
             });

  router.Add(
      verb::post, "/api/v1/users", Access::kAuthenticated, kUsersWrite,
      {.summary = "新建用户账号（角色由安全管理员授予）",
       .tag = "users",
       .request_schema =
           R"({"type":"object","required":["username","display_name","password"],"additionalProperties":false,"properties":{"username":{"type":"string","pattern":"^[a-z][a-z0-9._-]{2,39}$"},"display_name":{"type":"string","maxLength":50},"password":{"type":"string","minLength":12,"maxLength":128},"department_id":{"type":["integer","null"]},"section_id":{"type":["integer","null"]},"window_id":{"type":["integer","null"]},"region_code":{"type":["string","null"]}}})",
       .response_schema = kUserSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto username = r.String("username", {.required = true, .max_chars = 40});
        auto display = r.String("display_name", {.required = true, .max_chars = 50});
        auto password = r.String("password", {.required = true, .max_chars = 128});
        auto dept = r.NullableInt("department_id");
        auto section = r.NullableInt("section_id");
        auto window = r.NullableInt("window_id");
        auto region = r.String("region_code", {.max_chars = 6});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (Status s = identity::CheckUsername(*username); !s.ok()) return Problem(s.error());
        if (Status s = identity::CheckPasswordPolicy(*password, *username); !s.ok()) {
          return Problem(s.error());
        }
        store::NewUser u;
        u.username = *username;
        u.display_name = *display;
        u.department_id = dept.value_or(std::nullopt);
        u.section_id = section.value_or(std::nullopt);
        u.window_id = window.value_or(std::nullopt);
        if (region) {
          if (!ctx.identity.GetRegion(*region).ok()) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.unknown_region",
                                     "行政区划不存在", "region_code"));
          }
          u.region_code = *region;
        }
        if (Status s = CheckPlacement(ctx, u.department_id, u.section_id, u.window_id); !s.ok()) {
          return Problem(s.error());
        }
        u.password_hash = store::HashPassword(*password);
        auto created = ctx.identity.CreateUser(u, {}, ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(UserJson(*created, ctx.clock.Now()), 201);
      });

  router.Add(
      verb::patch, "/api/v1/users/{id}", Access::kAuthenticated, kUsersWrite,
      {.summary = "修改用户（姓名、启用、部门、股室、窗口）",
       .tag = "users",
       .request_schema =
           R"({"type":"object","additionalProperties":false,"properties":{"display_name":{"type":"string","maxLength":50},"active":{"type":"boolean"},"department_id":{"type":["integer","null"]},"section_id":{"type":["integer","null"]},"window_id":{"type":["integer","null"]}}})",
       .response_schema = kUserSchema},
      [&ctx](Request& req) {
        auto current = VisibleUser(ctx, req);
        if (!current.ok()) return Problem(current.error());
        BodyReader r(req.body());
        store::UserPatch p;
        p.display_name = r.String("display_name", {.required = false, .min_chars = 1, .max_chars = 50});
        p.active = r.Bool("active");
        p.department_id = r.NullableInt("department_id");
        p.section_id = r.NullableInt("section_id");
        p.window_id = r.NullableInt("window_id");
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto dept = p.department_id.value_or(current->department_id);
        auto section = p.section_id.value_or(p.department_id ? std::nullopt : current->section_id);
        auto window = p.window_id.value_or(p.department_id ? std::nullopt : current->window_id);
        if (Status s = CheckPlacement(ctx, dept, section, window); !s.ok()) {
          return Problem(s.error());
        }
        if (p.department_id) {  // a move clears the old department's section and window
          p.section_id = section;
          p.window_id = window;
        }
        if (p.active && !*p.active && current->id == req.principal->user_id) {
          return Problem(MakeError(ErrorCode::kFailedPrecondition, "identity.self_disable",
                                   "不能停用自己的账号", "active"));
        }
        auto updated = ctx.identity.UpdateUser(current->id, p, ActorOf(req, ctx.clock));
        if (!updated.ok()) return Problem(updated.error());
        ctx.auth.Invalidate();
        return JsonOk(UserJson(*updated, ctx.clock.Now()));
      });

  router.Add(verb::post, "/api/v1/users/{id}/unlock", Access::kAuthenticated, kUsersWrite,
             {.summary = "解除登录锁定", .tag = "users", .success_status = 204},
             [&ctx](Request& req) {
               auto u = VisibleUser(ctx, req);
               if (!u.ok()) return Problem(u.error());
               if (Status s = ctx.identity.Unlock(u->id, ActorOf(req, ctx.clock)); !s.ok()) {
                 return Problem(s.error());
               }
               return NoContent();
             });

  router.Add(
      verb::post, "/api/v1/users/{id}/password", Access::kAuthenticated, kUsersWrite,
      {.summary = "重置用户密码",
       .tag = "users",
       .request_schema =
           R"({"type":"object","required":["password"],"additionalProperties":false,"properties":{"password":{"type":"string","minLength":12,"maxLength":128}}})",
       .success_status = 204},
      [&ctx](Request& req) {
        auto u = VisibleUser(ctx, req);
        if (!u.ok()) return Problem(u.error());
        BodyReader r(req.body());
        auto password = r.String("password", {.required = true, .max_chars = 128});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (Status s = identity::CheckPasswordPolicy(*password, u->username); !s.ok()) {
          return Problem(s.error());
        }
        if (Status s = ctx.identity.SetPassword(u->id, store::HashPassword(*password),
                                                ActorOf(req, ctx.clock));
            !s.ok()) {
          return Problem(s.error());
        }
        return NoContent();
      });

  router.Add(
      verb::post, "/api/v1/me/password", Access::kAuthenticated, "",
      {.summary = "修改本人密码",
       .tag = "auth",
       .request_schema =
           R"({"type":"object","required":["old_password","new_password"],"additionalProperties":false,"properties":{"old_password":{"type":"string","maxLength":128},"new_password":{"type":"string","minLength":12,"maxLength":128}}})",
       .success_status = 204},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto old_pw = r.String("old_password", {.required = true, .max_chars = 128});
        auto new_pw = r.String("new_password", {.required = true, .max_chars = 128});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto found = ctx.identity.GetUserForLogin(req.principal->username);
        if (!found.ok()) return Problem(found.error());
        if (!store::VerifyPassword(found->second, *old_pw)) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "auth.wrong_password",
                                   "原密码错误", "old_password"));
        }
        if (Status s = identity::CheckPasswordPolicy(*new_pw, req.principal->username); !s.ok()) {
          Error e = s.error();
          e.field = "new_password";
          return Problem(e);
        }
        if (Status s = ctx.identity.SetPassword(req.principal->user_id,
                                                store::HashPassword(*new_pw),
                                                ActorOf(req, ctx.clock));
            !s.ok()) {
          return Problem(s.error());
        }
        return NoContent();
      });

  router.Add(
      verb::put, "/api/v1/users/{id}/roles", Access::kAuthenticated, kGrantsWrite,
      {.summary = "授予用户角色（整体替换）",
       .tag = "users",
       .request_schema =
           R"({"type":"object","required":["roles"],"additionalProperties":false,"properties":{"roles":{"type":"array","items":{"type":"string"}}}})",
       .response_schema = kUserSchema},
      [&ctx](Request& req) {
        auto u = VisibleUser(ctx, req);
        if (!u.ok()) return Problem(u.error());
        BodyReader r(req.body());
        auto roles = r.Strings("roles", true, 20);
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        if (u->id == req.principal->user_id) {
          return Problem(MakeError(ErrorCode::kFailedPrecondition, "identity.self_grant",
                                   "不能给自己授予或撤销角色", "roles"));
        }
        auto updated = ctx.identity.SetUserRoles(u->id, *roles, ActorOf(req, ctx.clock));
        if (!updated.ok()) return Problem(updated.error());
        ctx.auth.Invalidate();
        return JsonOk(UserJson(*updated, ctx.clock.Now()));
      });

  // ---- Roles ----
  router.Add(verb::get, "/api/v1/roles", Access::kAuthenticated, kRolesRead,
             {.summary = "角色列表", .tag = "roles", .response_schema = PageSchema(kRoleSchema),
              .query = kPageParams},
             [&ctx](Request& req) {
               auto page = ParsePage(req);
               if (!page.ok()) return Problem(page.error());
               auto all = ctx.identity.ListRoles();
               if (!all.ok()) return Problem(all.error());
               return PageResponse(*all, *page, RoleJson);
             });

  router.Add(
      verb::get, "/api/v1/permissions", Access::kAuthenticated, kRolesRead,
      {.summary = "可授予的权限",
       .tag = "roles",
       .response_schema = PageSchema(
           R"({"type":"object","properties":{"name":{"type":"string"},"title":{"type":"string"},"duty":{"type":"string"}}})")},
      [](Request&) {
        json::array items;
        for (const auto& p : identity::AllPermissions()) {
          items.push_back(json::object{
              {"name", p.name}, {"title", p.title}, {"duty", identity::DutyName(p.duty)}});
        }
        size_t n = items.size();
        return JsonOk(json::object{{"items", std::move(items)}, {"total", n}});
      });

  router.Add(
      verb::post, "/api/v1/roles", Access::kAuthenticated, kRolesWrite,
      {.summary = "新建自定义角色",
       .tag = "roles",
       .request_schema =
           R"({"type":"object","required":["name","title","scope","permissions"],"additionalProperties":false,"properties":{"name":{"type":"string"},"title":{"type":"string"},"scope":{"type":"string","enum":["own","section","department","region","all"]},"permissions":{"type":"array","items":{"type":"string"}}}})",
       .response_schema = kRoleSchema,
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto def = ReadRoleBody(r, {}, true);
        if (!def.ok()) return Problem(def.error());
        auto created = ctx.identity.CreateRole(*def, ActorOf(req, ctx.clock));
        if (!created.ok()) return Problem(created.error());
        return JsonOk(RoleJson(*created), 201);
      });

  router.Add(
      verb::patch, "/api/v1/roles/{id}", Access::kAuthenticated, kRolesWrite,
      {.summary = "修改自定义角色（内置角色不可修改）",
       .tag = "roles",
       .request_schema =
           R"({"type":"object","additionalProperties":false,"properties":{"title":{"type":"string"},"scope":{"type":"string","enum":["own","section","department","region","all"]},"permissions":{"type":"array","items":{"type":"string"}}}})",
       .response_schema = kRoleSchema},
      [&ctx](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        auto current = ctx.identity.GetRole(*id);
        if (!current.ok()) return Problem(current.error());
        if (current->def.builtin) {
          return Problem(MakeError(ErrorCode::kFailedPrecondition, "identity.builtin_role",
                                   "内置角色不可修改"));
        }
        BodyReader r(req.body());
        std::string name = current->def.name;
        auto def = ReadRoleBody(r, current->def, false);
        if (!def.ok()) return Problem(def.error());
        auto updated = ctx.identity.UpdateRole(*id, *def, ActorOf(req, ctx.clock));
        if (!updated.ok()) return Problem(updated.error());
        ctx.auth.Invalidate();
        return JsonOk(RoleJson(*updated));
      });
}

}  // namespace xn::http
