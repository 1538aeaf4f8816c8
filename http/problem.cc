#include "http/problem.h"

#include <boost/json.hpp>

namespace xn::http {

unsigned StatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kOutOfRange: return 422;
    case ErrorCode::kLocked: return 423;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

namespace {
const char* TitleOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "请求参数有误";
    case ErrorCode::kUnauthenticated: return "未登录或登录已失效";
    case ErrorCode::kPermissionDenied: return "无权访问";
    case ErrorCode::kNotFound: return "对象不存在";
    case ErrorCode::kConflict: return "与现有数据冲突";
    case ErrorCode::kFailedPrecondition: return "当前状态不允许此操作";
    case ErrorCode::kPayloadTooLarge: return "请求体过大";
    case ErrorCode::kMethodNotAllowed: return "不支持的请求方法";
    case ErrorCode::kUnsupportedMediaType: return "不支持的请求体类型";
    case ErrorCode::kOutOfRange: return "超出数据范围";
    case ErrorCode::kLocked: return "账号已锁定";
    case ErrorCode::kUnavailable: return "服务暂不可用";
    case ErrorCode::kInternal: return "服务器内部错误";
  }
  return "错误";
}
}  // namespace

std::string ProblemBody(const Error& e) {
  boost::json::object o{
      {"type", "https://xiaoneng.dev/problems/" + (e.code.empty() ? std::string("error") : e.code)},
      {"title", TitleOf(e.category)},
      {"status", StatusOf(e.category)},
      {"code", e.code},
      {"detail", e.message},
  };
  if (!e.field.empty()) o["field"] = e.field;
  return boost::json::serialize(o);
}

}  // namespace xn::http
