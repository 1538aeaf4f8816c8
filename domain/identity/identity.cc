#include "domain/identity/identity.h"

#include <algorithm>

namespace xn::identity {
namespace {

Error Invalid(std::string code, std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(code), std::move(message),
                   std::move(field));
}

// Counts UTF-8 code points (continuation bytes are 10xxxxxx).
size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kOwn: return "own";
    case Scope::kSection: return "section";
    case Scope::kDepartment: return "department";
    case Scope::kRegion: return "region";
    case Scope::kAll: return "all";
  }
  return "own";
}

std::optional<Scope> ParseScope(std::string_view name) {
  for (Scope s : {Scope::kOwn, Scope::kSection, Scope::kDepartment, Scope::kRegion, Scope::kAll}) {
    if (ScopeName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view DutyName(Duty duty) {
  switch (duty) {
    case Duty::kBusiness: return "business";
    case Duty::kSystem: return "system";
    case Duty::kSecurity: return "security";
    case Duty::kAudit: return "audit";
  }
  return "business";
}

std::optional<Duty> ParseDuty(std::string_view name) {
  for (Duty d : {Duty::kBusiness, Duty::kSystem, Duty::kSecurity, Duty::kAudit}) {
    if (DutyName(d) == name) return d;
  }
  return std::nullopt;
}

const std::vector<PermissionInfo>& AllPermissions() {
  static const std::vector<PermissionInfo> kAll = {
      {perm::kOrgRead, "查看组织机构", Duty::kBusiness},
      {perm::kCalendarRead, "查看工作日历", Duty::kBusiness},
      {perm::kUsersRead, "查看人员", Duty::kBusiness},
      {perm::kCatalogWrite, "维护权力清单事项", Duty::kBusiness},
      {perm::kCasesRead, "查看办件", Duty::kBusiness},
      {perm::kCasesApply, "申报办件", Duty::kBusiness},
      {perm::kSupervisionRead, "查看电子监察（预警、督办）", Duty::kBusiness},
      {perm::kSupervisionReply, "说明预警、回复督办", Duty::kBusiness},
      {perm::kSupervisionWrite, "开具和核实督办单", Duty::kBusiness},
      {perm::kRulesWrite, "维护监察规则", Duty::kBusiness},
      {perm::kOrgWrite, "维护组织机构", Duty::kSystem},
      {perm::kUsersWrite, "维护用户账号", Duty::kSystem},
      {perm::kCalendarWrite, "维护工作日历", Duty::kSystem},
      {perm::kRolesRead, "查看角色权限", Duty::kSecurity},
      {perm::kRolesWrite, "维护角色权限", Duty::kSecurity},
      {perm::kGrantsWrite, "授予用户角色", Duty::kSecurity},
      {perm::kAuditRead, "查阅审计日志", Duty::kAudit},
  };
  return kAll;
}

const PermissionInfo* FindPermission(std::string_view name) {
  for (const auto& p : AllPermissions()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const std::vector<RoleDef>& BuiltinRoles() {
  // Reading the organisation, the calendar and colleagues is common to business roles; the
  // admin duties hold only what their duty needs (system: org, users, calendar; security:
  // roles and grants, reading users to grant them; audit: the audit log alone).
  static const std::vector<RoleDef> kRoles = [] {
    const std::vector<std::string> business = {"org.read", "calendar.read"};
    const std::vector<std::string> applicant = {"org.read", "calendar.read", "cases.read",
                                                "cases.apply"};
    const std::vector<std::string> clerk = {"org.read", "calendar.read", "users.read",
                                            "cases.read", "cases.apply"};
    const std::vector<std::string> handler = {"org.read",   "calendar.read",    "users.read",
                                              "cases.read", "supervision.read", "supervision.reply"};
    const std::vector<std::string> head = {"org.read",         "calendar.read",
                                           "users.read",       "cases.read",
                                           "catalog.write",    "supervision.read",
                                           "supervision.reply"};
    const std::vector<std::string> supervisor = {"org.read",         "calendar.read",
                                                 "users.read",       "cases.read",
                                                 "supervision.read", "supervision.write",
                                                 "rules.write"};
    const std::vector<std::string> leader = {"org.read", "calendar.read", "users.read",
                                             "cases.read", "supervision.read"};
    std::vector<RoleDef> r = {
        {"applicant", "申请人", Duty::kBusiness, Scope::kOwn, applicant, true},
        {"clerk", "窗口工作人员", Duty::kBusiness, Scope::kDepartment, clerk, true},
        {"handler", "承办人员", Duty::kBusiness, Scope::kSection, handler, true},
        {"proxy-agent", "代办员", Duty::kBusiness, Scope::kOwn, applicant, true},
        {"department-head", "部门负责人", Duty::kBusiness, Scope::kDepartment, head, true},
        {"supervisor", "效能办工作人员", Duty::kBusiness, Scope::kRegion, supervisor, true},
        {"leader", "领导", Duty::kBusiness, Scope::kRegion, leader, true},
        {"monitor", "效能监测员", Duty::kBusiness, Scope::kOwn, business, true},
        {"system-admin", "系统管理员", Duty::kSystem, Scope::kAll,
         {"org.read", "org.write", "users.read", "users.write", "calendar.read",
          "calendar.write"},
         true},
        {"security-admin", "安全管理员", Duty::kSecurity, Scope::kAll,
         {"roles.read", "roles.write", "grants.write", "users.read", "org.read"}, true},
        {"audit-admin", "安全审计员", Duty::kAudit, Scope::kAll, {"audit.read"}, true},
    };
    return r;
  }();
  return kRoles;
}

const RoleDef* FindBuiltinRole(std::string_view name) {
  for (const auto& r : BuiltinRoles()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Status CheckRoleDefinition(const RoleDef& role) {
  const std::string& n = role.name;
  bool name_ok = n.size() >= 2 && n.size() <= 40 && n[0] >= 'a' && n[0] <= 'z' &&
                 std::all_of(n.begin(), n.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                 });
  if (!name_ok) {
    return Invalid("validation.role_name", "角色标识须为2–40位小写字母、数字或连字符，以字母开头",
                   "name");
  }
  if (FindBuiltinRole(n) != nullptr) {
    return MakeError(ErrorCode::kConflict, "identity.builtin_role", "不能覆盖内置角色", "name");
  }
  if (role.title.empty() || CodePoints(role.title) > 40) {
    return Invalid("validation.required", "角色名称不能为空，且不超过40字", "title");
  }
  if (role.permissions.empty()) {
    return Invalid("validation.required", "至少选择一项权限", "permissions");
  }
  std::optional<Duty> duty;
  for (const auto& p : role.permissions) {
    const PermissionInfo* info = FindPermission(p);
    if (info == nullptr) {
      return Invalid("validation.unknown_permission", "未知权限：" + p, "permissions");
    }
    Duty d = info->duty;
    if (duty && *duty != d) {
      return Invalid("identity.duty_conflict", "一个角色不能混合不同职责（三员分立）的权限",
                     "permissions");
    }
    duty = d;
  }
  return Ok();
}

Status CheckRoleCombination(const std::vector<RoleDef>& roles) {
  std::optional<Duty> duty;
  for (const auto& r : roles) {
    if (duty && *duty != r.duty) {
      return Invalid("identity.duty_conflict",
                     "系统管理员、安全管理员、安全审计员三种职责互斥，且不能兼任业务角色",
                     "roles");
    }
    duty = r.duty;
  }
  return Ok();
}

Status CheckUsername(std::string_view u) {
  bool ok = u.size() >= 3 && u.size() <= 40 && u[0] >= 'a' && u[0] <= 'z' &&
            std::all_of(u.begin(), u.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                     c == '-';
            });
  if (!ok) {
    return Invalid("validation.username",
                   "用户名须为3–40位小写字母、数字或 . _ -，以字母开头", "username");
  }
  return Ok();
}

Status CheckPasswordPolicy(std::string_view password, std::string_view username) {
  size_t n = CodePoints(password);
  if (n < 12 || n > 128) {
    return Invalid("validation.password_policy", "密码长度须为12–128个字符", "password");
  }
  bool letter = false, digit = false, other = false;
  for (unsigned char c : password) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      letter = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      other = true;
    }
  }
  if (int(letter) + int(digit) + int(other) < 2) {
    return Invalid("validation.password_policy", "密码须包含字母、数字、符号中的至少两类",
                   "password");
  }
  if (!username.empty() && password.find(username) != std::string_view::npos) {
    return Invalid("validation.password_policy", "密码不能包含用户名", "password");
  }
  return Ok();
}

std::string_view RegionLevelName(RegionLevel level) {
  switch (level) {
    case RegionLevel::kProvince: return "province";
    case RegionLevel::kCity: return "city";
    case RegionLevel::kCounty: return "county";
  }
  return "county";
}

std::optional<RegionLevel> ParseRegionLevel(std::string_view name) {
  for (RegionLevel l : {RegionLevel::kProvince, RegionLevel::kCity, RegionLevel::kCounty}) {
    if (RegionLevelName(l) == name) return l;
  }
  return std::nullopt;
}

std::optional<RegionLevel> LevelOfRegionCode(std::string_view code) {
  if (code.size() != 6 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (code.substr(0, 2) == "00") return std::nullopt;
  if (code.substr(2) == "0000") return RegionLevel::kProvince;
  if (code.substr(4) == "00") return RegionLevel::kCity;
  return RegionLevel::kCounty;
}

bool RegionContains(std::string_view ancestor, std::string_view code) {
  auto level = LevelOfRegionCode(ancestor);
  if (!level || !LevelOfRegionCode(code)) return false;
  switch (*level) {
    case RegionLevel::kProvince: return ancestor.substr(0, 2) == code.substr(0, 2);
    case RegionLevel::kCity: return ancestor.substr(0, 4) == code.substr(0, 4);
    case RegionLevel::kCounty: return ancestor == code;
  }
  return false;
}

LoginDecision DecideLogin(const LoginState& state, bool password_ok, Instant now) {
  LoginState next = state;
  if (next.locked_until && *next.locked_until <= now) {
    next.locked_until.reset();
    next.failed_logins = 0;
  }
  if (next.locked_until) return {LoginOutcome::kLocked, next};
  if (password_ok) return {LoginOutcome::kSuccess, LoginState{}};
  next.failed_logins += 1;
  if (next.failed_logins >= kMaxFailedLogins) {
    next.locked_until = now + std::chrono::duration_cast<std::chrono::microseconds>(
                                  kLockoutDuration);
  }
  return {LoginOutcome::kBadPassword, next};
}

void ApplyRoles(Principal& principal, const std::vector<RoleDef>& roles) {
  principal.roles.clear();
  principal.permissions.clear();
  principal.scope = Scope::kOwn;
  for (const auto& r : roles) {
    principal.roles.push_back(r.name);
    principal.permissions.insert(r.permissions.begin(), r.permissions.end());
    if (static_cast<int>(r.scope) > static_cast<int>(principal.scope)) principal.scope = r.scope;
  }
}

bool InScope(const Principal& me, const Placement& p) {
  const bool same_department =
      me.department_id && p.department_id && *me.department_id == *p.department_id;
  const bool is_self = p.owner_user_id && *p.owner_user_id == me.user_id;
  switch (me.scope) {
    case Scope::kAll:
      return true;
    case Scope::kRegion:
      return is_self || (!me.region_code.empty() && !p.region_code.empty() &&
                         RegionContains(me.region_code, p.region_code));
    case Scope::kDepartment:
      return is_self || same_department;
    case Scope::kSection:
      if (p.owner_user_id) {
        return is_self || (same_department && me.section_id && p.section_id &&
                           *me.section_id == *p.section_id);
      }
      return same_department;
    case Scope::kOwn:
      if (p.owner_user_id) return is_self;
      return same_department;
  }
  return false;
}

}  // namespace xn::identity
