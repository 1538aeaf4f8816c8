// Routing: each API route is a method, a path template ("/api/v1/users/{id}"), a handler, the
// access it needs, and its OpenAPI description. The router authenticates the caller, checks the
// CSRF token of cookie sessions and the route's permission before the handler runs, and builds
// the OpenAPI document from the same table, so the document cannot drift from the routes.
//
// Thread-safety: routes are registered before the server starts; Dispatch is thread-safe.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/result.h"
#include "domain/identity/identity.h"

namespace xn::store {
class AuthService;
}

namespace xn::http {

namespace beast_http = boost::beast::http;
using RawRequest = beast_http::request<beast_http::string_body>;

struct Request {
  const RawRequest* raw = nullptr;
  beast_http::verb method = beast_http::verb::get;
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  std::map<std::string, std::string, std::less<>> params;  // from the path template
  std::string remote;
  std::shared_ptr<const identity::Principal> principal;  // set on authenticated routes
  std::string token;                             // the session token used
  std::string csrf_token;                        // the session's CSRF token
  const std::string& body() const { return raw->body(); }
  std::string_view Header(std::string_view name) const;
  // A query parameter, or nullopt if absent or empty.
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Response JsonResponse(unsigned status, std::string body);
Response Problem(const Error& error);

// What a route needs from its caller.
enum class Access {
  kPublic,         // anyone
  kAuthenticated,  // a session; the route checks its own permission and scope
};

struct QueryParamDoc {
  std::string name;
  std::string type = "string";  // JSON Schema type
  std::string description;
};

struct RouteDoc {
  std::string summary;
  std::string tag;
  std::string request_schema;   // JSON Schema text, or "" for no body
  std::string response_schema;  // JSON Schema text of the 2xx body, or "" for none (204)
  unsigned success_status = 200;
  std::vector<QueryParamDoc> query;
  std::string response_content_type = "application/json";
  std::string request_content_type = "application/json";
};

using Handler = std::function<Response(Request&)>;

struct Route {
  beast_http::verb method;
  std::string pattern;
  Access access = Access::kAuthenticated;
  std::string permission;  // required permission, "" for none beyond Access
  Handler handler;
  RouteDoc doc;
  std::vector<std::string> segments;  // split pattern
};

class Router {
 public:
  explicit Router(store::AuthService* auth) : auth_(auth) {}

  void Add(beast_http::verb method, std::string pattern, Access access, std::string permission,
           RouteDoc doc, Handler handler);

  // Finds and runs the route for REQ. Returns nullopt if no API route matches the path (the
  // caller then serves static files); a path that matches with another method answers 405.
  std::optional<Response> Dispatch(Request& req, std::string* route_label) const;

  // The OpenAPI 3.1 document of every registered route.
  std::string OpenApiDocument(const std::string& version) const;

  const std::vector<Route>& routes() const { return routes_; }

  // A callback that records denied accesses in the audit log.
  std::function<void(const Request&, const std::string& permission)> on_denied;

 private:
  store::AuthService* auth_;
  std::vector<Route> routes_;
};

// The session token of a request: "Authorization: Bearer T", else the xn_session cookie.
// *via_cookie tells which.
std::string SessionToken(const Request& req, bool* via_cookie);

inline constexpr std::string_view kSessionCookie = "xn_session";

}  // namespace xn::http
