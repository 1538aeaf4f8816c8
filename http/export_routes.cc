// Exports and imports: the power list as JSON (for import elsewhere) and Excel, and Excel
// downloads of the case list, the user list and the audit log. Each export answers the same
// filters and the same data scope as the list it mirrors; the catalog import is checked like
// POST /api/v1/matters, matter by matter, and saves nothing unless every matter passes.
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "domain/cases/fixed_flow.h"
#include <map>

#include "http/api.h"
#include "http/json_body.h"
#include "store/cases/codec.h"
#include "store/export/xlsx.h"
#include "store/flow/bpmn_import.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;
using store::XlsxCell;

namespace {

constexpr const char* kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr const char* kXlsxSchema = R"({"type":"string","format":"binary"})";
constexpr const char* kCatalogFormat = "xiaoneng.catalog";
constexpr int64_t kCatalogFormatVersion = 1;
// The most rows one list export holds; a larger list is cut (newest first) and says so in the
// X-Export-Truncated and X-Total-Count headers.
constexpr int kMaxExportRows = 50'000;

const char* kCatalogSchema = R"({"type":"object","required":["format","version","matters"],"properties":{"format":{"type":"string","const":"xiaoneng.catalog"},"version":{"type":"integer","const":1},"exported_at":{"type":"string"},"matters":{"type":"array","items":{"type":"object","description":"a matter definition, as the body of POST /api/v1/matters"}}}})";

// The fields of a matter in an import: those of a POST /api/v1/matters body, plus the
// category_title that the definition's own encoding carries (ignored).
const char* kImportFields[] = {"code", "name", "category", "category_title", "legal_basis",
                               "department_id", "statutory", "promised", "fees", "materials",
                               "acceptance_conditions", "special_procedures", "discretion",
                               "description", "flow_bpmn", "commitment_allowed",
                               "verification_days", "note"};

// RFC 5987 / RFC 8187 ext-value characters: everything else is percent-encoded.
std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A download named TITLE-<date>.EXT: an ASCII name for old clients, the Chinese one in filename*.
Response Download(std::string body, const char* content_type, const std::string& ascii_name,
                  const std::string& title, Instant now, const char* ext) {
  std::string date = store::XlsxTimeText(now).substr(0, 10);
  Response r;
  r.status = 200;
  r.content_type = content_type;
  r.body = std::move(body);
  r.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"" + ascii_name + "-" + date + "." + ext + "\"; filename*=UTF-8''" +
          PercentEncode(title + "-" + date + "." + ext));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<std::string> ParseFormat(const Request& req, std::initializer_list<const char*> allowed,
                                const char* fallback) {
  std::string f = req.Query("format").value_or(fallback);
  for (const char* a : allowed) {
    if (f == a) return f;
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : "、") + std::string(a);
  return BadParameter("format", "format 须为 " + list);
}

std::string LimitText(const catalog::TimeLimit& l) {
  return std::to_string(l.value) + std::string(catalog::LimitUnitTitle(l.unit));
}

Result<std::unordered_map<int64_t, std::string>> DepartmentNames(ApiContext& ctx) {
  auto all = ctx.identity.ListDepartments();
  if (!all.ok()) return all.error();
  std::unordered_map<int64_t, std::string> names;
  for (const auto& d : *all) names[d.id] = d.name;
  return names;
}

// ---- The catalog ----

Result<std::vector<store::MatterVersion>> PublishedMatters(ApiContext& ctx) {
  auto all = ctx.catalog->List(store::MatterQuery{});
  if (!all.ok()) return all.error();
  std::vector<store::MatterVersion> out;
  for (const auto& m : *all) {
    if (!m.published_version) continue;
    auto v = ctx.catalog->PublishedByCode(m.code);
    if (!v.ok()) return v.error();
    out.push_back(std::move(*v));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.def.code < b.def.code;
  });
  return out;
}

Result<std::string> CatalogXlsx(ApiContext& ctx, const std::vector<store::MatterVersion>& all) {
  auto names = DepartmentNames(ctx);
  if (!names.ok()) return names.error();
  auto book = store::XlsxBook::Create();
  if (!book.ok()) return book.error();
  auto& b = **book;
  if (Status s = b.AddSheet("事项", {{"编码", 22}, {"名称", 36}, {"权力类别", 12},
                                     {"实施部门", 24}, {"设定依据", 48}, {"法定时限", 14},
                                     {"承诺时限", 14}, {"收费", 12}, {"材料数", 8},
                                     {"现行版本", 10}});
      !s.ok()) {
    return s.error();
  }
  for (const auto& v : all) {
    const auto& d = v.def;
    auto dept = names->find(d.department_id);
    std::string fee = d.fees.empty() ? "不收费" : std::to_string(d.fees.size()) + " 项";
    Status s = b.AddRow({d.code, d.name, std::string(catalog::PowerCategoryTitle(d.category)),
                         dept == names->end() ? std::string() : dept->second, d.legal_basis,
                         LimitText(d.statutory), LimitText(d.promised), fee,
                         static_cast<double>(d.materials.size()), static_cast<double>(v.version)});
    if (!s.ok()) return s.error();
  }
  if (Status s = b.AddSheet("材料", {{"事项编码", 22}, {"材料名称", 40}, {"必需", 8},
                                     {"份数", 8}, {"说明", 40}});
      !s.ok()) {
    return s.error();
  }
  for (const auto& v : all) {
    for (const auto& m : v.def.materials) {
      Status s = b.AddRow({v.def.code, m.name, std::string(m.required ? "是" : "否"),
                           static_cast<double>(m.copies), m.note});
      if (!s.ok()) return s.error();
    }
  }
  if (Status s = b.AddSheet("收费", {{"事项编码", 22}, {"收费项目", 30}, {"依据", 48},
                                     {"金额（元）", 12}});
      !s.ok()) {
    return s.error();
  }
  for (const auto& v : all) {
    for (const auto& f : v.def.fees) {
      // Amounts are fen (integers); a yuan figure with two decimals is exact in a double.
      Status s = b.AddRow({v.def.code, f.name, f.basis, static_cast<double>(f.amount_fen) / 100});
      if (!s.ok()) return s.error();
    }
  }
  return b.Finish();
}

// One matter of an import, checked like a POST /api/v1/matters body. An error's field is
// relative to the matter ("promised"); the caller prefixes "matters[i].".
Result<std::pair<catalog::MatterDef, std::string>> ReadImportedMatter(ApiContext& ctx,
                                                                      const json::value& v) {
  if (!v.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.type", "事项须为 JSON 对象");
  }
  for (const auto& kv : v.as_object()) {
    bool known = std::any_of(std::begin(kImportFields), std::end(kImportFields),
                             [&](const char* f) { return kv.key() == f; });
    if (!known) {
      return MakeError(ErrorCode::kInvalidArgument, "request.unknown_field",
                       "未知字段：" + std::string(kv.key()), std::string(kv.key()));
    }
  }
  std::string note;
  if (const auto* n = v.as_object().if_contains("note"); n && n->is_string()) {
    note = std::string(n->as_string());
  }
  auto def = store::MatterFromJson(v);
  if (!def.ok()) return def.error();
  if (Status s = CheckMatterDefinition(ctx, *def); !s.ok()) return s.error();
  return std::make_pair(std::move(*def), note);
}

struct ImportItem {
  catalog::MatterDef def;
  std::string note;
  std::optional<int64_t> existing_id;  // the matter with this code, if there is one
};

Error AtMatter(Error e, size_t i, const std::string& code) {
  std::string at = "matters[" + std::to_string(i) + "]";
  e.field = e.field.empty() ? at : at + "." + e.field;
  e.message = at + (code.empty() ? "" : "（" + code + "）") + "：" + e.message;
  return e;
}

// Reads and checks a whole import: nothing is written unless this succeeds.
Result<std::vector<ImportItem>> ReadImport(ApiContext& ctx, const Request& req) {
  json::error_code ec;
  json::value doc = json::parse(req.body(), ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument, "request.malformed_json",
                     "请求体不是合法的 JSON：" + ec.message());
  }
  if (!doc.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "request.not_object", "请求体须为 JSON 对象");
  }
  const auto& o = doc.as_object();
  for (const auto& kv : o) {
    if (kv.key() != "format" && kv.key() != "version" && kv.key() != "exported_at" &&
        kv.key() != "matters") {
      return MakeError(ErrorCode::kInvalidArgument, "request.unknown_field",
                       "未知字段：" + std::string(kv.key()), std::string(kv.key()));
    }
  }
  const auto* format = o.if_contains("format");
  if (!format || !format->is_string() || format->as_string() != kCatalogFormat) {
    return MakeError(ErrorCode::kInvalidArgument, "catalog.import_format",
                     "format 须为 \"xiaoneng.catalog\"（本系统导出的事项清单）", "format");
  }
  const auto* version = o.if_contains("version");
  if (!version || !version->is_int64() || version->as_int64() != kCatalogFormatVersion) {
    return MakeError(ErrorCode::kInvalidArgument, "catalog.import_version",
                     "不支持的导出格式版本（应为 1）", "version");
  }
  const auto* matters = o.if_contains("matters");
  if (!matters || !matters->is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.required", "matters 须为数组",
                     "matters");
  }

  auto existing = ctx.catalog->List(store::MatterQuery{});
  if (!existing.ok()) return existing.error();
  std::unordered_map<std::string, const store::MatterSummary*> by_code;
  for (const auto& m : *existing) by_code[m.code] = &m;

  std::vector<ImportItem> items;
  std::unordered_set<std::string> seen;
  const auto& arr = matters->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string code;
    if (arr[i].is_object()) {
      if (const auto* c = arr[i].as_object().if_contains("code"); c && c->is_string()) {
        code = std::string(c->as_string());
      }
    }
    auto m = ReadImportedMatter(ctx, arr[i]);
    if (!m.ok()) return AtMatter(m.error(), i, code);
    ImportItem item{std::move(m->first), std::move(m->second), std::nullopt};
    if (!seen.insert(item.def.code).second) {
      return AtMatter(MakeError(ErrorCode::kInvalidArgument, "catalog.import_duplicate_code",
                                "同一编码在导入文件中出现了两次", "code"),
                      i, code);
    }
    auto dept = ctx.identity.GetDepartment(item.def.department_id);
    if (!dept.ok() || !identity::InScope(*req.principal, {.department_id = dept->id,
                                                          .region_code = dept->region_code})) {
      return AtMatter(MakeError(ErrorCode::kInvalidArgument, "catalog.department_out_of_scope",
                                "部门不存在或不在您的管理范围内", "department_id"),
                      i, code);
    }
    if (auto it = by_code.find(item.def.code); it != by_code.end()) {
      // An existing matter keeps its department (as PUT .../draft requires).
      if (it->second->department_id != item.def.department_id) {
        return AtMatter(MakeError(ErrorCode::kInvalidArgument, "catalog.immutable_field",
                                  "已有事项的实施部门不能修改", "department_id"),
                        i, code);
      }
      item.existing_id = it->second->id;
    }
    if (item.note.empty()) item.note = "导入";
    items.push_back(std::move(item));
  }
  return items;
}

// ---- Lists ----

// The case list's light, in words.
std::string LightTitle(const calendar::Calendar* cal, const cases::Case& c, Instant now) {
  const std::string light = CaseLight(cal, c, now);
  if (light == "green") return "绿灯";
  if (light == "yellow") return "黄灯";
  if (light == "red") return "红灯";
  if (light == "paused") return "暂停";
  return "";
}

XlsxCell Deadline(const std::optional<cases::LegalClock>& c) {
  if (!c) return std::monostate{};
  if (c->paused) return std::string("暂停计时");
  return c->deadline;
}

void MarkTruncated(Response& r, int64_t total) {
  r.headers.emplace_back("X-Total-Count", std::to_string(total));
  if (total > kMaxExportRows) r.headers.emplace_back("X-Export-Truncated", "true");
}

// YYYY-MM-DD (local date, Asia/Shanghai) to the Unix millisecond its day starts, as
// GET /api/v1/audit-log reads its from and to.
std::optional<int64_t> LocalDayStartMs(const std::string& s) {
  int y, m, d;
  char tail;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                  std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return (static_cast<int64_t>(days) * 86400 - 8 * 3600) * 1000;
}

std::vector<QueryParamDoc> WithFormat(std::vector<QueryParamDoc> q, const char* formats) {
  q.push_back({"format", "string", formats});
  return q;
}

}  // namespace

void RegisterExportRoutes(Router& router, ApiContext& ctx) {
  const std::string kOrgRead(identity::perm::kOrgRead);
  const std::string kCatalogWrite(identity::perm::kCatalogWrite);
  const std::string kCasesRead(identity::perm::kCasesRead);
  const std::string kUsersRead(identity::perm::kUsersRead);
  const std::string kAuditRead(identity::perm::kAuditRead);

  router.Add(
      verb::get, "/api/v1/matters/export", Access::kAuthenticated, kOrgRead,
      {.summary = "导出权力清单（各事项的现行版本）：JSON 或 Excel", .tag = "catalog",
       .response_schema = kCatalogSchema,
       .query = {{"format", "string", "json（默认，可再导入）或 xlsx"}}},
      [&ctx](Request& req) {
        auto format = ParseFormat(req, {"json", "xlsx"}, "json");
        if (!format.ok()) return Problem(format.error());
        auto all = PublishedMatters(ctx);
        if (!all.ok()) return Problem(all.error());
        Instant now = ctx.clock.Now();
        if (*format == "xlsx") {
          auto bytes = CatalogXlsx(ctx, *all);
          if (!bytes.ok()) return Problem(bytes.error());
          return Download(std::move(*bytes), kXlsxType, "catalog", "权力清单", now, "xlsx");
        }
        json::array matters;
        for (const auto& v : *all) matters.push_back(store::MatterToJson(v.def));
        json::object doc{{"format", kCatalogFormat},
                         {"version", kCatalogFormatVersion},
                         {"exported_at", IsoLocal(now)},
                         {"matters", std::move(matters)}};
        return Download(json::serialize(doc), "application/json", "catalog", "权力清单", now,
                        "json");
      });

  router.Add(
      verb::post, "/api/v1/matters/import", Access::kAuthenticated, kCatalogWrite,
      {.summary = "导入事项清单（全部通过才保存；已有编码保存为新草稿，新编码新建为草稿）",
       .tag = "catalog", .request_schema = kCatalogSchema,
       .response_schema =
           R"({"type":"object","required":["created","drafted"],"properties":{"created":{"type":"integer"},"drafted":{"type":"integer"}}})"},
      [&ctx](Request& req) {
        // One import at a time, so that the check and the writes see the same catalog.
        static std::mutex import_mu;
        std::lock_guard lock(import_mu);
        auto items = ReadImport(ctx, req);
        if (!items.ok()) return Problem(items.error());
        store::Actor actor = ActorOf(req, ctx.clock);
        int64_t created = 0, drafted = 0;
        for (size_t i = 0; i < items->size(); ++i) {
          auto& item = (*items)[i];
          Status s = Ok();
          if (item.existing_id) {
            auto v = ctx.catalog->SaveDraft(*item.existing_id, item.def, item.note, actor);
            if (!v.ok()) s = v.error();
            else ++drafted;
          } else {
            auto m = ctx.catalog->Create(item.def, item.note, actor);
            if (!m.ok()) s = m.error();
            else ++created;
          }
          if (!s.ok()) {
            // Only a storage failure or a concurrent edit gets here: everything was checked.
            Error e = AtMatter(s.error(), i, item.def.code);
            e.message += "（此前的 " + std::to_string(i) + " 个事项已保存为草稿）";
            return Problem(e);
          }
        }
        return JsonOk(json::object{{"created", created}, {"drafted", drafted}});
      });

  std::vector<QueryParamDoc> case_q = {{"state", "string", "办件状态"},
                                       {"q", "string", "办件编号、申请人或事项名称"},
                                       {"open", "boolean", "仅在办"}};
  router.Add(
      verb::get, "/api/v1/cases/export", Access::kAuthenticated, kCasesRead,
      {.summary = "导出办件列表（Excel，筛选与数据范围同办件列表，至多 50000 行）",
       .tag = "cases", .response_schema = kXlsxSchema,
       .query = WithFormat(case_q, "xlsx（默认）"), .response_content_type = kXlsxType},
      [&ctx](Request& req) {
        auto format = ParseFormat(req, {"xlsx"}, "xlsx");
        if (!format.ok()) return Problem(format.error());
        store::CaseQuery q;
        q.page = {.page = 1, .page_size = kMaxExportRows};
        ScopeCaseQuery(*req.principal, q);
        q.q = req.Query("q");
        if (auto s = req.Query("state")) {
          if (!cases::ParseCaseState(*s)) return Problem(BadParameter("state", "未知的办件状态"));
          q.state = *s;
        }
        q.open_only = req.Query("open") == "true";
        auto result = ctx.cases->List(q);
        if (!result.ok()) return Problem(result.error());
        auto names = DepartmentNames(ctx);
        if (!names.ok()) return Problem(names.error());
        auto book = store::XlsxBook::Create();
        if (!book.ok()) return Problem(book.error());
        auto& b = **book;
        if (Status s = b.AddSheet("办件", {{"办件编号", 24}, {"事项", 36}, {"部门", 24},
                                           {"申请人", 28}, {"状态", 12}, {"申报时间", 18},
                                           {"承诺期限", 18}, {"法定期限", 18}, {"红黄绿灯", 10}});
            !s.ok()) {
          return Problem(s.error());
        }
        auto cal = ctx.calendar.Current();
        Instant now = ctx.clock.Now();
        for (const auto& c : result->items) {
          auto dept = names->find(c.department_id);
          std::string light = LightTitle(cal.get(), c, now);
          Status s = b.AddRow({c.case_no, c.matter_name,
                               dept == names->end() ? c.department_code : dept->second,
                               c.applicant_name, std::string(cases::CaseStateTitle(c.state)),
                               c.submitted_at, Deadline(c.promised), Deadline(c.statutory),
                               light});
          if (!s.ok()) return Problem(s.error());
        }
        auto bytes = b.Finish();
        if (!bytes.ok()) return Problem(bytes.error());
        Response r = Download(std::move(*bytes), kXlsxType, "cases", "办件", now, "xlsx");
        MarkTruncated(r, result->total);
        return r;
      });

  const std::string kSupervisionRead(identity::perm::kSupervisionRead);
  std::vector<QueryParamDoc> alert_q = {
      {"level", "string", "reminder | yellow | red"}, {"rule", "string", "规则编号"},
      {"department_id", "integer", "部门"},          {"state", "string", "预警状态"},
      {"matter_code", "string", "事项编码"},          {"case_id", "integer", "办件"},
      {"from", "string", "产生日期起"},               {"to", "string", "产生日期止（含）"}};
  router.Add(
      verb::get, "/api/v1/alerts/export", Access::kAuthenticated, kSupervisionRead,
      {.summary = "导出预警列表（Excel，筛选与数据范围同预警列表，至多 50000 行）",
       .tag = "supervision", .response_schema = kXlsxSchema,
       .query = WithFormat(alert_q, "xlsx（默认）"), .response_content_type = kXlsxType},
      [&ctx](Request& req) {
        auto format = ParseFormat(req, {"xlsx"}, "xlsx");
        if (!format.ok()) return Problem(format.error());
        auto q = ParseAlertQuery(req);
        if (!q.ok()) return Problem(q.error());
        store::AlertQuery query = q->value_or(store::AlertQuery{.department_id = -1});
        query.page = {.page = 1, .page_size = kMaxExportRows};
        auto result = ctx.supervision->ListAlerts(query);
        if (!result.ok()) return Problem(result.error());
        auto book = store::XlsxBook::Create();
        if (!book.ok()) return Problem(book.error());
        auto& b = **book;
        static const std::map<std::string, std::string> kLevels = {
            {"reminder", "提醒"}, {"yellow", "黄牌"}, {"red", "红牌"}};
        static const std::map<std::string, std::string> kStates = {
            {"open", "待说明"}, {"explained", "已说明"}, {"ordered", "已督办"}, {"closed", "已办结"}};
        if (Status s = b.AddSheet("预警", {{"编号", 8}, {"等级", 8}, {"规则", 10}, {"规则名称", 24},
                                           {"办件编号", 28}, {"事项", 30}, {"部门", 24},
                                           {"时刻", 18}, {"产生时间", 18}, {"状态", 10},
                                           {"预警信息", 60}, {"时限算式", 60}, {"情况说明", 40}});
            !s.ok()) {
          return Problem(s.error());
        }
        for (const auto& a : result->items) {
          Status s = b.AddRow({static_cast<double>(a.id), kLevels.at(a.level), a.rule_id,
                               a.rule_name, a.case_no, a.matter_name, a.department_name, a.moment,
                               a.raised_at,
                               kStates.count(a.state) ? kStates.at(a.state) : a.state, a.message,
                               a.explanation, a.reply.value_or("")});
          if (!s.ok()) return Problem(s.error());
        }
        auto bytes = b.Finish();
        if (!bytes.ok()) return Problem(bytes.error());
        Response r = Download(std::move(*bytes), kXlsxType, "alerts", "预警", ctx.clock.Now(), "xlsx");
        MarkTruncated(r, result->total);
        return r;
      });

  std::vector<QueryParamDoc> order_q = {{"state", "string", "督办状态"},
                                        {"level", "string", "yellow | red | dossier"},
                                        {"department_id", "integer", "部门"},
                                        {"case_id", "integer", "办件"}};
  router.Add(
      verb::get, "/api/v1/supervision-orders/export", Access::kAuthenticated, kSupervisionRead,
      {.summary = "导出督办单（Excel，筛选与数据范围同督办单列表，至多 50000 行）",
       .tag = "supervision", .response_schema = kXlsxSchema,
       .query = WithFormat(order_q, "xlsx（默认）"), .response_content_type = kXlsxType},
      [&ctx](Request& req) {
        auto format = ParseFormat(req, {"xlsx"}, "xlsx");
        if (!format.ok()) return Problem(format.error());
        auto q = ParseOrderQuery(req);
        if (!q.ok()) return Problem(q.error());
        store::OrderQuery query = q->value_or(store::OrderQuery{.department_id = -1});
        query.page = {.page = 1, .page_size = kMaxExportRows};
        auto result = ctx.supervision->ListOrders(query);
        if (!result.ok()) return Problem(result.error());
        auto book = store::XlsxBook::Create();
        if (!book.ok()) return Problem(book.error());
        auto& b = **book;
        static const std::map<std::string, std::string> kLevels = {
            {"yellow", "黄牌督办"}, {"red", "红牌督办"}, {"dossier", "问责材料"}};
        static const std::map<std::string, std::string> kStates = {
            {"open", "待回复"}, {"replied", "已回复"}, {"verified", "已核实"}, {"escalated", "已升级"}};
        if (Status s = b.AddSheet("督办单", {{"督办编号", 20}, {"等级", 10}, {"状态", 10},
                                            {"办件编号", 28}, {"部门", 24}, {"督办事由", 50},
                                            {"开具人", 16}, {"开具时间", 18}, {"回复期限", 18},
                                            {"回复", 40}, {"核实意见", 30}});
            !s.ok()) {
          return Problem(s.error());
        }
        for (const auto& o : result->items) {
          Status s = b.AddRow({o.order_no, kLevels.at(o.level),
                               kStates.count(o.state) ? kStates.at(o.state) : o.state, o.case_no,
                               o.department_name, o.reason, o.opened_by, o.opened_at, o.deadline,
                               o.reply.value_or(""), o.verification.value_or("")});
          if (!s.ok()) return Problem(s.error());
        }
        auto bytes = b.Finish();
        if (!bytes.ok()) return Problem(bytes.error());
        Response r = Download(std::move(*bytes), kXlsxType, "supervision-orders", "督办单",
                              ctx.clock.Now(), "xlsx");
        MarkTruncated(r, result->total);
        return r;
      });

  std::vector<QueryParamDoc> user_q = {{"q", "string", "按用户名或姓名搜索"},
                                       {"department_id", "integer", "所属部门"}};
  router.Add(
      verb::get, "/api/v1/users/export", Access::kAuthenticated, kUsersRead,
      {.summary = "导出用户列表（Excel，限于数据范围）", .tag = "users",
       .response_schema = kXlsxSchema, .query = WithFormat(user_q, "xlsx（默认）"),
       .response_content_type = kXlsxType},
      [&ctx](Request& req) {
        auto format = ParseFormat(req, {"xlsx"}, "xlsx");
        if (!format.ok()) return Problem(format.error());
        auto dept = QueryInt(req, "department_id");
        if (!dept.ok()) return Problem(dept.error());
        auto all = ctx.identity.ListUsers();
        if (!all.ok()) return Problem(all.error());
        auto q = req.Query("q");
        auto book = store::XlsxBook::Create();
        if (!book.ok()) return Problem(book.error());
        auto& b = **book;
        if (Status s = b.AddSheet("用户", {{"用户名", 20}, {"姓名", 14}, {"部门", 24},
                                           {"区划代码", 12}, {"角色", 36}, {"状态", 10}});
            !s.ok()) {
          return Problem(s.error());
        }
        Instant now = ctx.clock.Now();
        for (const auto& u : *all) {
          // The filters and scope of GET /api/v1/users.
          if (!identity::InScope(*req.principal,
                                 {.department_id = u.department_id, .section_id = u.section_id,
                                  .region_code = u.region_code, .owner_user_id = u.id})) {
            continue;
          }
          if (q && u.username.find(*q) == std::string::npos &&
              u.display_name.find(*q) == std::string::npos) {
            continue;
          }
          if (*dept && u.department_id != **dept) continue;
          std::string roles;
          for (const auto& r : u.roles) roles += (roles.empty() ? "" : "、") + r.title;
          std::string state = !u.active ? "停用"
                              : (u.locked_until && *u.locked_until > now) ? "锁定"
                                                                          : "启用";
          Status s = b.AddRow({u.username, u.display_name, u.department_name, u.region_code,
                               roles, state});
          if (!s.ok()) return Problem(s.error());
        }
        auto bytes = b.Finish();
        if (!bytes.ok()) return Problem(bytes.error());
        return Download(std::move(*bytes), kXlsxType, "users", "用户", now, "xlsx");
      });

  std::vector<QueryParamDoc> audit_q = {
      {"kind", "string", "事件类型前缀，如 auth. 或 user.created"},
      {"actor", "string", "操作者：user:12、system，或用户名"},
      {"from", "string", "起始日期 YYYY-MM-DD（含）"},
      {"to", "string", "截止日期 YYYY-MM-DD（含）"}};
  router.Add(
      verb::get, "/api/v1/audit-log/export", Access::kAuthenticated, kAuditRead,
      {.summary = "导出审计日志（Excel，筛选同审计日志，新的在前，至多 50000 行）",
       .tag = "audit", .response_schema = kXlsxSchema,
       .query = WithFormat(audit_q, "xlsx（默认）"), .response_content_type = kXlsxType},
      [&ctx](Request& req) {
        auto format = ParseFormat(req, {"xlsx"}, "xlsx");
        if (!format.ok()) return Problem(format.error());
        store::AuditQuery query;
        query.page = {.page = 1, .page_size = kMaxExportRows};
        query.kind_prefix = req.Query("kind");
        query.actor = req.Query("actor");
        if (auto f = req.Query("from")) {
          query.from_ms = LocalDayStartMs(*f);
          if (!query.from_ms) {
            return Problem(BadParameter("from", "from 须为 YYYY-MM-DD 格式的日期"));
          }
        }
        if (auto t = req.Query("to")) {
          auto start = LocalDayStartMs(*t);
          if (!start) return Problem(BadParameter("to", "to 须为 YYYY-MM-DD 格式的日期"));
          query.to_ms = *start + 86'400'000;
        }
        auto result = ctx.identity.ListAudit(query);
        if (!result.ok()) return Problem(result.error());
        auto book = store::XlsxBook::Create();
        if (!book.ok()) return Problem(book.error());
        auto& b = **book;
        if (Status s = b.AddSheet("审计日志", {{"序号", 10}, {"时间", 18}, {"操作者", 14},
                                               {"操作者姓名", 14}, {"事件类型", 24},
                                               {"对象", 20}, {"详情", 60}});
            !s.ok()) {
          return Problem(s.error());
        }
        for (size_t i = 0; i < result->items.size(); ++i) {
          const auto& e = result->items[i];
          Status s = b.AddRow({static_cast<double>(e.seq), FromUnixMillis(e.at_ms), e.actor,
                               result->actor_names[i], e.kind, e.subject, e.data});
          if (!s.ok()) return Problem(s.error());
        }
        auto bytes = b.Finish();
        if (!bytes.ok()) return Problem(bytes.error());
        Response r =
            Download(std::move(*bytes), kXlsxType, "audit-log", "审计日志", ctx.clock.Now(), "xlsx");
        MarkTruncated(r, result->total);
        return r;
      });
}

}  // namespace xn::http
