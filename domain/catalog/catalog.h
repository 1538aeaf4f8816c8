// The power list and service catalog: matters (政务服务事项) with their legal basis, time limits,
// fees, materials and fixed flow. A matter is versioned: an edit makes a draft version, published
// explicitly; a case keeps the version it started on (docs/catalog.md).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/result.h"

namespace xn::catalog {

// 权力类别: the ten categories of the power list, plus public service (DOMAIN.md).
enum class PowerCategory {
  kLicensing,       // 行政许可
  kPenalty,         // 行政处罚
  kCoercion,        // 行政强制
  kLevy,            // 行政征收
  kBenefit,         // 行政给付
  kInspection,      // 行政检查
  kConfirmation,    // 行政确认
  kReward,          // 行政奖励
  kAdjudication,    // 行政裁决
  kOther,           // 其他
  kPublicService,   // 公共服务
};
std::string_view PowerCategoryName(PowerCategory c);   // "licensing", ...
std::string_view PowerCategoryTitle(PowerCategory c);  // "行政许可", ...
std::optional<PowerCategory> ParsePowerCategory(std::string_view name);

// The unit of a time limit.
enum class LimitUnit { kWorkingDays, kCalendarDays, kHours };
std::string_view LimitUnitName(LimitUnit u);  // "working_days", "calendar_days", "hours"
std::string_view LimitUnitTitle(LimitUnit u);  // "个工作日", "个自然日", "小时"
std::optional<LimitUnit> ParseLimitUnit(std::string_view name);

struct TimeLimit {
  int32_t value = 0;
  LimitUnit unit = LimitUnit::kWorkingDays;
  std::string note;
};

// A fee item charged per a fee standard. Amounts are in fen (分), never floating point.
struct FeeItem {
  std::string name;
  std::string basis;        // the document that sets the fee
  int64_t amount_fen = 0;   // the standard amount (the most that may be charged)
};

struct Material {
  std::string name;
  bool required = true;
  int32_t copies = 1;
  std::string note;
};

// One circumstance of a discretion standard and its allowed outcome (e.g. an amount range).
struct DiscretionTier {
  std::string circumstance;
  std::string outcome;
};

// A matter's definition: everything that a version fixes.
struct MatterDef {
  std::string code;              // 事项编码, [A-Za-z0-9-]{4,36}
  std::string name;
  PowerCategory category = PowerCategory::kLicensing;
  std::string legal_basis;       // 设定依据
  int64_t department_id = 0;     // responsible department
  TimeLimit statutory;           // 法定时限
  TimeLimit promised;            // 承诺时限: never longer than the statutory limit
  std::vector<FeeItem> fees;
  std::vector<Material> materials;
  std::string acceptance_conditions;
  std::string special_procedures;  // hearings, expert review... (time not counted)
  std::vector<DiscretionTier> discretion;
  std::string description;         // the public service guide's text
  std::string flow_bpmn;           // the fixed flow, BPMN 2.0 XML ("" for the default flow)
  bool commitment_allowed = false;  // 告知承诺制: may be granted on a signed commitment
  int32_t verification_days = 0;    // commitment handling: verify within N working days
};

// Checks a definition. Errors: kInvalidArgument with the offending field, e.g.
// "catalog.promised_exceeds_statutory" (field "promised").
Status CheckMatter(const MatterDef& m);

// The most an extension may add to a statutory limit (Administrative Licensing Law art. 42:
// 20 working days +10; joint handling 45 +15): half the statutory limit, rounded down.
int32_t MaxExtension(const TimeLimit& statutory);

}  // namespace xn::catalog
