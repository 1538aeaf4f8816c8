#include "http/router.h"

#include <boost/json.hpp>
#include <boost/url.hpp>

#include "http/problem.h"
#include "store/identity/auth.h"

namespace xn::http {
namespace json = boost::json;

namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool Match(const Route& r, const std::vector<std::string>& segs,
           std::map<std::string, std::string, std::less<>>* params) {
  if (r.segments.size() != segs.size()) return false;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& p = r.segments[i];
    if (IsParam(p)) {
      if (params) (*params)[p.substr(1, p.size() - 2)] = segs[i];
    } else if (p != segs[i]) {
      return false;
    }
  }
  return true;
}

bool IsUnsafe(beast_http::verb v) {
  return v == beast_http::verb::post || v == beast_http::verb::put ||
         v == beast_http::verb::patch || v == beast_http::verb::delete_;
}

std::string MethodName(beast_http::verb v) {
  std::string s(beast_http::to_string(v));
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json::value ParseSchema(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw std::logic_error("route schema is not valid JSON: " + text);
  return v;
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  auto it = raw->find(name);
  if (it == raw->end()) return {};
  return it->value();
}

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Response JsonResponse(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Problem(const Error& error) {
  Response r;
  r.status = StatusOf(error.category);
  r.content_type = "application/problem+json";
  r.body = ProblemBody(error);
  return r;
}

std::string SessionToken(const Request& req, bool* via_cookie) {
  *via_cookie = false;
  std::string_view auth = req.Header("Authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    return std::string(auth.substr(7));
  }
  std::string_view cookies = req.Header("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string_view::npos) end = cookies.size();
    std::string_view part = cookies.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > kSessionCookie.size() && part.substr(0, kSessionCookie.size()) ==
                                                   kSessionCookie &&
        part[kSessionCookie.size()] == '=') {
      *via_cookie = true;
      return std::string(part.substr(kSessionCookie.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

void Router::Add(beast_http::verb method, std::string pattern, Access access,
                 std::string permission, RouteDoc doc, Handler handler) {
  Route r{method, pattern, access, std::move(permission), std::move(handler), std::move(doc),
          Split(pattern)};
  routes_.push_back(std::move(r));
}

std::optional<Response> Router::Dispatch(Request& req, std::string* route_label) const {
  std::vector<std::string> segs = Split(req.path);
  const Route* found = nullptr;
  bool path_matched = false;
  for (const auto& r : routes_) {
    if (!Match(r, segs, nullptr)) continue;
    path_matched = true;
    if (r.method == req.method ||
        (req.method == beast_http::verb::head && r.method == beast_http::verb::get)) {
      found = &r;
      break;
    }
  }
  if (!found) {
    if (!path_matched) return std::nullopt;
    *route_label = "method_not_allowed";
    std::string allow;
    for (const auto& r : routes_) {
      if (!Match(r, segs, nullptr)) continue;
      if (!allow.empty()) allow += ", ";
      allow += std::string(beast_http::to_string(r.method));
    }
    Response r = Problem(MakeError(ErrorCode::kMethodNotAllowed, "request.method_not_allowed",
                                   "此路径不支持该请求方法"));
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  *route_label = found->pattern;
  Match(*found, segs, &req.params);

  if (found->access == Access::kAuthenticated) {
    bool via_cookie = false;
    std::string token = SessionToken(req, &via_cookie);
    if (token.empty()) {
      return Problem(MakeError(ErrorCode::kUnauthenticated, "auth.required", "请先登录"));
    }
    auto who = auth_->Authenticate(token);
    if (!who.ok()) return Problem(who.error());
    if (via_cookie && IsUnsafe(req.method) && req.Header("X-CSRF-Token") != who->csrf_token) {
      return Problem(MakeError(ErrorCode::kPermissionDenied, "auth.csrf",
                               "缺少或错误的 X-CSRF-Token 请求头"));
    }
    req.principal = std::move(who->principal);
    req.token = std::move(token);
    req.csrf_token = who->csrf_token;
    if (!found->permission.empty() && !req.principal->Has(found->permission)) {
      if (on_denied) on_denied(req, found->permission);
      return Problem(MakeError(ErrorCode::kPermissionDenied, "auth.forbidden",
                               "当前角色无权执行此操作"));
    }
  }
  return found->handler(req);
}

std::string Router::OpenApiDocument(const std::string& version) const {
  json::object paths;
  for (const auto& r : routes_) {
    json::object op;
    op["operationId"] = MethodName(r.method) + "_" + [&] {
      std::string id;
      for (const auto& s : r.segments) {
        if (!id.empty()) id += '_';
        for (char c : s) {
          id += (c == '{' || c == '}') ? (c == '{' ? 'B' : 'E') : (c == '-' || c == '.') ? '_' : c;
        }
      }
      return id;
    }();
    op["summary"] = r.doc.summary;
    op["tags"] = json::array{json::value(r.doc.tag)};
    json::array params;
    for (const auto& s : r.segments) {
      if (!IsParam(s)) continue;
      params.push_back(json::object{{"name", s.substr(1, s.size() - 2)},
                                    {"in", "path"},
                                    {"required", true},
                                    {"schema", json::object{{"type", "string"}}}});
    }
    for (const auto& q : r.doc.query) {
      params.push_back(json::object{{"name", q.name},
                                    {"in", "query"},
                                    {"required", false},
                                    {"description", q.description},
                                    {"schema", json::object{{"type", q.type}}}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!r.doc.request_schema.empty()) {
      op["requestBody"] = json::object{
          {"required", true},
          {"content",
           json::object{{r.doc.request_content_type,
                         json::object{{"schema", ParseSchema(r.doc.request_schema)}}}}}};
    }
    json::object responses;
    json::object ok{{"description", "成功"}};
    if (!r.doc.response_schema.empty()) {
      ok["content"] = json::object{
          {r.doc.response_content_type,
           json::object{{"schema", ParseSchema(r.doc.response_schema)}}}};
    }
    responses[std::to_string(r.doc.success_status)] = std::move(ok);
    responses["default"] = json::object{
        {"description", "错误（problem+json）"},
        {"content",
         json::object{{"application/problem+json",
                       json::object{{"schema",
                                     json::object{{"$ref", "#/components/schemas/Problem"}}}}}}}};
    op["responses"] = std::move(responses);
    if (r.access == Access::kPublic) {
      op["security"] = json::array{};
    }
    json::value& item = paths[r.pattern];
    if (!item.is_object()) item.emplace_object();
    item.as_object()[MethodName(r.method)] = std::move(op);
  }
  json::object problem{
      {"type", "object"},
      {"required", json::array{"type", "title", "status", "code", "detail"}},
      {"properties",
       json::object{{"type", json::object{{"type", "string"}}},
                    {"title", json::object{{"type", "string"}}},
                    {"status", json::object{{"type", "integer"}}},
                    {"code", json::object{{"type", "string"}, {"description", "稳定的错误代码"}}},
                    {"detail", json::object{{"type", "string"}}},
                    {"field", json::object{{"type", "string"}, {"description", "出错的字段"}}}}}};
  json::object doc{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "xiaoneng (效能) API"},
                            {"version", version},
                            {"description",
                             "政务服务效能监察系统的 JSON API。错误以 application/problem+json "
                             "返回；列表统一以 page、page_size 分页，返回 {items, total}。"},
                            {"license", json::object{{"name", "Apache-2.0"},
                                                     {"identifier", "Apache-2.0"}}}}},
      {"servers", json::array{json::object{{"url", "/"}}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{{"schemas", json::object{{"Problem", std::move(problem)}}},
                    {"securitySchemes",
                     json::object{{"bearerAuth", json::object{{"type", "http"},
                                                              {"scheme", "bearer"}}},
                                  {"cookieAuth", json::object{{"type", "apiKey"},
                                                              {"in", "cookie"},
                                                              {"name", "xn_session"}}}}}}},
      {"security", json::array{json::object{{"bearerAuth", json::array{}}},
                               json::object{{"cookieAuth", json::array{}}}}},
  };
  return json::serialize(doc);
}

}  // namespace xn::http
