// BodyReader: strict reading of a JSON request body.
//
// The body must be one JSON object; every field is read with its expected type and limits; a
// field the route does not know is an error (so a typo never passes silently). The first error
// is kept and returned by Done(); later reads after an error return nullopt.
//
//   BodyReader r(req.body);
//   auto name = r.String("name", {.required = true, .max_chars = 100});
//   auto active = r.Bool("active");
//   if (Status s = r.Done(); !s.ok()) return Problem(s.error());
//
// Thread-safety: a BodyReader is confined to one thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/common/result.h"

namespace xn::http {

struct StringRule {
  bool required = false;
  size_t min_chars = 0;     // in UTF-8 code points; applies when present
  size_t max_chars = 200;
};

class BodyReader {
 public:
  explicit BodyReader(std::string_view body);

  std::optional<std::string> String(const char* name, StringRule rule = {});
  std::optional<int64_t> Int(const char* name, bool required = false, int64_t min = 0,
                             int64_t max = INT64_MAX);
  // A field that may be given as null to clear it: outer nullopt = absent, inner = null.
  std::optional<std::optional<int64_t>> NullableInt(const char* name);
  std::optional<bool> Bool(const char* name, bool required = false);
  std::optional<std::vector<std::string>> Strings(const char* name, bool required = false,
                                                  size_t max_items = 100);

  // A field of any JSON type, for the caller to read (nullptr if absent or null).
  const boost::json::value* Any(const char* name);
  // A flat object of text, number or boolean values, as text (numbers and booleans serialised).
  std::optional<std::map<std::string, std::string>> FlatObject(const char* name,
                                                               size_t max_fields = 100);

  // The first error met, or an unknown-field error; Ok if the body was entirely understood.
  Status Done();
  bool failed() const { return error_.has_value(); }

 private:
  const boost::json::value* Field(const char* name, bool required);
  void Fail(std::string code, std::string message, std::string field);

  boost::json::value doc_;
  std::set<std::string> seen_;
  std::optional<Error> error_;
};

// Error for a path or query parameter that is not of its type.
Error BadParameter(const std::string& name, const std::string& message);

}  // namespace xn::http
