#include "domain/catalog/catalog.h"

#include <algorithm>

namespace xn::catalog {
namespace {

struct CategoryRow {
  PowerCategory category;
  std::string_view name;
  std::string_view title;
};
constexpr CategoryRow kCategories[] = {
    {PowerCategory::kLicensing, "licensing", "行政许可"},
    {PowerCategory::kPenalty, "penalty", "行政处罚"},
    {PowerCategory::kCoercion, "coercion", "行政强制"},
    {PowerCategory::kLevy, "levy", "行政征收"},
    {PowerCategory::kBenefit, "benefit", "行政给付"},
    {PowerCategory::kInspection, "inspection", "行政检查"},
    {PowerCategory::kConfirmation, "confirmation", "行政确认"},
    {PowerCategory::kReward, "reward", "行政奖励"},
    {PowerCategory::kAdjudication, "adjudication", "行政裁决"},
    {PowerCategory::kOther, "other", "其他"},
    {PowerCategory::kPublicService, "public_service", "公共服务"},
};

Error Invalid(std::string code, std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(code), std::move(message),
                   std::move(field));
}

Status CheckLimit(const TimeLimit& l, const char* field) {
  int32_t max = l.unit == LimitUnit::kHours ? 24 * 366 : 366;
  if (l.value < 1 || l.value > max) {
    return Invalid("catalog.limit_range", std::string("时限须为 1–") + std::to_string(max),
                   field);
  }
  return Ok();
}

}  // namespace

std::string_view PowerCategoryName(PowerCategory c) {
  for (const auto& r : kCategories) {
    if (r.category == c) return r.name;
  }
  return "other";
}

std::string_view PowerCategoryTitle(PowerCategory c) {
  for (const auto& r : kCategories) {
    if (r.category == c) return r.title;
  }
  return "其他";
}

std::optional<PowerCategory> ParsePowerCategory(std::string_view name) {
  for (const auto& r : kCategories) {
    if (r.name == name) return r.category;
  }
  return std::nullopt;
}

std::string_view LimitUnitName(LimitUnit u) {
  switch (u) {
    case LimitUnit::kWorkingDays: return "working_days";
    case LimitUnit::kCalendarDays: return "calendar_days";
    case LimitUnit::kHours: return "hours";
  }
  return "working_days";
}

std::string_view LimitUnitTitle(LimitUnit u) {
  switch (u) {
    case LimitUnit::kWorkingDays: return "个工作日";
    case LimitUnit::kCalendarDays: return "个自然日";
    case LimitUnit::kHours: return "小时";
  }
  return "个工作日";
}

std::optional<LimitUnit> ParseLimitUnit(std::string_view name) {
  for (LimitUnit u : {LimitUnit::kWorkingDays, LimitUnit::kCalendarDays, LimitUnit::kHours}) {
    if (LimitUnitName(u) == name) return u;
  }
  return std::nullopt;
}

Status CheckMatter(const MatterDef& m) {
  const auto& c = m.code;
  bool code_ok = c.size() >= 4 && c.size() <= 36 &&
                 std::all_of(c.begin(), c.end(), [](char ch) {
                   return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= 'a' && ch <= 'z') || ch == '-';
                 });
  if (!code_ok) {
    return Invalid("catalog.code", "事项编码须为4–36位字母、数字或连字符", "code");
  }
  if (m.name.empty()) return Invalid("validation.required", "事项名称不能为空", "name");
  if (m.legal_basis.empty()) {
    return Invalid("validation.required", "须写明设定依据", "legal_basis");
  }
  if (m.department_id <= 0) {
    return Invalid("validation.required", "须指定实施部门", "department_id");
  }
  if (auto s = CheckLimit(m.statutory, "statutory"); !s.ok()) return s;
  if (auto s = CheckLimit(m.promised, "promised"); !s.ok()) return s;
  // Limits in different units cannot be compared exactly (a working day is not a fixed number
  // of calendar days), so the promised limit must use the statutory limit's unit.
  if (m.promised.unit != m.statutory.unit) {
    return Invalid("catalog.limit_unit_mismatch", "承诺时限须与法定时限使用相同的单位",
                   "promised");
  }
  if (m.promised.value > m.statutory.value) {
    return Invalid("catalog.promised_exceeds_statutory", "承诺时限不得超过法定时限",
                   "promised");
  }
  for (const auto& f : m.fees) {
    if (f.name.empty() || f.basis.empty()) {
      return Invalid("catalog.fee_basis", "每项收费须有名称和收费依据", "fees");
    }
    if (f.amount_fen < 0) return Invalid("catalog.fee_amount", "收费金额不能为负", "fees");
  }
  for (const auto& mat : m.materials) {
    if (mat.name.empty() || mat.copies < 1) {
      return Invalid("catalog.material", "材料须有名称，份数至少为1", "materials");
    }
  }
  if (m.commitment_allowed && (m.verification_days < 1 || m.verification_days > 366)) {
    return Invalid("catalog.verification_days", "告知承诺事项须设定核查期限（1–366个工作日）",
                   "verification_days");
  }
  return Ok();
}

int32_t MaxExtension(const TimeLimit& statutory) { return statutory.value / 2; }

}  // namespace xn::catalog
