#include "http/json_body.h"

#include <algorithm>

namespace xn::http {
namespace json = boost::json;

namespace {
size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}
}  // namespace

Error BadParameter(const std::string& name, const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, "validation.parameter", message, name);
}

BodyReader::BodyReader(std::string_view body) {
  json::error_code ec;
  json::parse_options opt;
  opt.max_depth = 32;
  doc_ = json::parse(body, ec, {}, opt);
  if (ec) {
    Fail("request.malformed_json", "请求体不是合法的 JSON：" + ec.message(), "");
  } else if (!doc_.is_object()) {
    Fail("request.not_object", "请求体须为 JSON 对象", "");
  }
}

void BodyReader::Fail(std::string code, std::string message, std::string field) {
  if (!error_) {
    error_ = MakeError(ErrorCode::kInvalidArgument, std::move(code), std::move(message),
                       std::move(field));
  }
}

const json::value* BodyReader::Field(const char* name, bool required) {
  if (error_) return nullptr;
  seen_.insert(name);
  const json::value* v = doc_.as_object().if_contains(name);
  if (v == nullptr) {
    if (required) Fail("validation.required", std::string("缺少必填字段：") + name, name);
    return nullptr;
  }
  return v;
}

std::optional<std::string> BodyReader::String(const char* name, StringRule rule) {
  const json::value* v = Field(name, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail("validation.type", std::string("字段须为字符串：") + name, name);
    return std::nullopt;
  }
  std::string s(v->as_string());
  size_t n = CodePoints(s);
  if (rule.required && n == 0) {
    Fail("validation.required", std::string("字段不能为空：") + name, name);
    return std::nullopt;
  }
  if (n < rule.min_chars || n > rule.max_chars) {
    Fail("validation.length",
         std::string("字段长度须在 ") + std::to_string(rule.min_chars) + "–" +
             std::to_string(rule.max_chars) + " 之间：" + name,
         name);
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> BodyReader::Int(const char* name, bool required, int64_t min,
                                       int64_t max) {
  const json::value* v = Field(name, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_int64() && !v->is_uint64()) {
    Fail("validation.type", std::string("字段须为整数：") + name, name);
    return std::nullopt;
  }
  if (v->is_uint64() && v->as_uint64() > static_cast<uint64_t>(INT64_MAX)) {
    Fail("validation.range", std::string("数值超出范围：") + name, name);
    return std::nullopt;
  }
  int64_t x = v->is_int64() ? v->as_int64() : static_cast<int64_t>(v->as_uint64());
  if (x < min || x > max) {
    Fail("validation.range", std::string("数值超出范围：") + name, name);
    return std::nullopt;
  }
  return x;
}

std::optional<std::optional<int64_t>> BodyReader::NullableInt(const char* name) {
  const json::value* v = Field(name, false);
  if (v == nullptr) return std::nullopt;
  if (v->is_null()) return std::optional<int64_t>{};
  if (!v->is_int64() || v->as_int64() < 1) {
    Fail("validation.type", std::string("字段须为正整数或 null：") + name, name);
    return std::nullopt;
  }
  return std::optional<int64_t>{v->as_int64()};
}

std::optional<bool> BodyReader::Bool(const char* name, bool required) {
  const json::value* v = Field(name, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    Fail("validation.type", std::string("字段须为布尔值：") + name, name);
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<std::string>> BodyReader::Strings(const char* name, bool required,
                                                            size_t max_items) {
  const json::value* v = Field(name, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array() || v->as_array().size() > max_items) {
    Fail("validation.type", std::string("字段须为字符串数组：") + name, name);
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& x : v->as_array()) {
    if (!x.is_string() || x.as_string().size() > 100) {
      Fail("validation.type", std::string("数组元素须为字符串：") + name, name);
      return std::nullopt;
    }
    out.emplace_back(x.as_string());
  }
  return out;
}

const json::value* BodyReader::Any(const char* name) {
  const json::value* v = Field(name, false);
  if (v == nullptr || v->is_null()) return nullptr;
  return v;
}

std::optional<std::map<std::string, std::string>> BodyReader::FlatObject(const char* name,
                                                                        size_t max_fields) {
  const json::value* v = Any(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object() || v->as_object().size() > max_fields) {
    Fail("validation.type", std::string("字段须为对象：") + name, name);
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& kv : v->as_object()) {
    if (kv.key().size() > 100) {
      Fail("validation.type", std::string("字段名过长：") + name, name);
      return std::nullopt;
    }
    if (kv.value().is_string()) {
      if (kv.value().as_string().size() > 2000) {
        Fail("validation.length", std::string("字段值过长：") + name, name);
        return std::nullopt;
      }
      out[std::string(kv.key())] = std::string(kv.value().as_string());
    } else if (kv.value().is_number() || kv.value().is_bool()) {
      out[std::string(kv.key())] = json::serialize(kv.value());
    } else {
      Fail("validation.type", std::string(name) + " 的值须为文本、数字或布尔值", name);
      return std::nullopt;
    }
  }
  return out;
}

Status BodyReader::Done() {
  if (!error_) {
    for (const auto& kv : doc_.as_object()) {
      if (!seen_.count(std::string(kv.key()))) {
        Fail("request.unknown_field", "未知字段：" + std::string(kv.key()), std::string(kv.key()));
        break;
      }
    }
  }
  if (error_) return *error_;
  return Ok();
}

}  // namespace xn::http
