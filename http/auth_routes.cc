// POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me.
#include "http/api.h"
#include "http/json_body.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kMeSchema = R"({"type":"object","required":["id","username","display_name","roles","permissions","scope","csrf_token"],"properties":{
"id":{"type":"integer"},"username":{"type":"string"},"display_name":{"type":"string"},
"department":{"type":["object","null"],"properties":{"id":{"type":"integer"},"code":{"type":"string"},"name":{"type":"string"}}},
"region_code":{"type":"string"},
"roles":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"title":{"type":"string"}}}},
"permissions":{"type":"array","items":{"type":"string"}},
"scope":{"type":"string","enum":["own","section","department","region","all"]},
"csrf_token":{"type":"string"}}})";

json::object MeJson(const identity::Principal& p, const std::string& csrf, ApiContext& ctx) {
  json::array roles;
  for (const auto& name : p.roles) {
    std::string title = name;
    if (const auto* b = identity::FindBuiltinRole(name)) title = b->title;
    roles.push_back(json::object{{"name", name}, {"title", title}});
  }
  json::array perms;
  for (const auto& s : p.permissions) perms.emplace_back(s);
  json::value dept = nullptr;
  if (p.department_id) {
    dept = json::object{
        {"id", *p.department_id}, {"code", p.department_code}, {"name", p.department_name}};
  }
  return {{"id", p.user_id},
          {"username", p.username},
          {"display_name", p.display_name},
          {"department", dept},
          {"region_code", p.region_code},
          {"roles", std::move(roles)},
          {"permissions", std::move(perms)},
          {"scope", identity::ScopeName(p.scope)},
          {"csrf_token", csrf}};
}

std::string SessionCookie(const std::string& token, bool secure, bool clear) {
  std::string c = std::string(kSessionCookie) + "=" + (clear ? "" : token) +
                  "; Path=/; HttpOnly; SameSite=Strict";
  if (clear) c += "; Max-Age=0";
  if (secure) c += "; Secure";
  return c;
}

}  // namespace

void RegisterAuthRoutes(Router& router, ApiContext& ctx) {
  router.Add(
      verb::post, "/api/v1/auth/login", Access::kPublic, "",
      {.summary = "登录：校验密码与锁定规则，返回会话令牌（Cookie 与 Bearer）",
       .tag = "auth",
       .request_schema =
           R"({"type":"object","required":["username","password"],"additionalProperties":false,"properties":{"username":{"type":"string","maxLength":40},"password":{"type":"string","maxLength":128}}})",
       .response_schema =
           std::string(R"({"type":"object","required":["token","csrf_token","user"],"properties":{"token":{"type":"string"},"csrf_token":{"type":"string"},"user":)") +
           kMeSchema + "}}"},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto username = r.String("username", {.required = true, .max_chars = 40});
        auto password = r.String("password", {.required = true, .max_chars = 128});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto result = ctx.auth.Login(*username, *password, req.remote);
        if (!result.ok()) return Problem(result.error());
        json::object body{{"token", result->token},
                          {"csrf_token", result->csrf_token},
                          {"user", MeJson(result->principal, result->csrf_token, ctx)}};
        Response resp = JsonOk(body);
        resp.headers.emplace_back("Set-Cookie",
                                  SessionCookie(result->token, ctx.secure_cookies, false));
        resp.headers.emplace_back("Cache-Control", "no-store");
        return resp;
      });

  router.Add(verb::post, "/api/v1/auth/logout", Access::kAuthenticated, "",
             {.summary = "退出登录，结束当前会话", .tag = "auth", .success_status = 204},
             [&ctx](Request& req) {
               ctx.auth.Logout(req.token);
               Response resp = NoContent();
               resp.headers.emplace_back("Set-Cookie",
                                         SessionCookie("", ctx.secure_cookies, true));
               return resp;
             });

  router.Add(verb::get, "/api/v1/me", Access::kAuthenticated, "",
             {.summary = "当前用户：身份、部门、角色、权限与数据范围", .tag = "auth",
              .response_schema = kMeSchema},
             [&ctx](Request& req) {
               return JsonOk(MeJson(*req.principal, req.csrf_token, ctx));
             });
}

}  // namespace xn::http
