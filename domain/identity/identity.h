// Organisation and identity rules: roles, permissions, data scopes, the password policy, the
// login lockout, and who may see which organisation object. Pure functions and values; the
// store adapter keeps the data and the HTTP layer asks these rules before it answers.
//
// Thread-safety: everything here is immutable or a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/clock.h"
#include "domain/common/result.h"

namespace xn::identity {

// How far a role's reads and writes reach (PRODUCT.md capability 1).
enum class Scope { kOwn, kSection, kDepartment, kRegion, kAll };
std::string_view ScopeName(Scope scope);
std::optional<Scope> ParseScope(std::string_view name);

// Which of the separated duties a role belongs to (三员分立): a business role, or one of the three
// administrator duties. No account holds two duties, and an admin duty holds no business role.
enum class Duty { kBusiness, kSystem, kSecurity, kAudit };
std::string_view DutyName(Duty duty);
std::optional<Duty> ParseDuty(std::string_view name);

// Permission identifiers. A role grants a set of them.
namespace perm {
inline constexpr std::string_view kOrgRead = "org.read";
inline constexpr std::string_view kOrgWrite = "org.write";
inline constexpr std::string_view kUsersRead = "users.read";
inline constexpr std::string_view kUsersWrite = "users.write";
inline constexpr std::string_view kRolesRead = "roles.read";
inline constexpr std::string_view kRolesWrite = "roles.write";
inline constexpr std::string_view kGrantsWrite = "grants.write";
inline constexpr std::string_view kAuditRead = "audit.read";
inline constexpr std::string_view kCalendarRead = "calendar.read";
inline constexpr std::string_view kCalendarWrite = "calendar.write";
inline constexpr std::string_view kCatalogWrite = "catalog.write";
inline constexpr std::string_view kCasesRead = "cases.read";
inline constexpr std::string_view kCasesApply = "cases.apply";
inline constexpr std::string_view kSupervisionRead = "supervision.read";
inline constexpr std::string_view kSupervisionReply = "supervision.reply";
inline constexpr std::string_view kSupervisionWrite = "supervision.write";
inline constexpr std::string_view kRulesWrite = "rules.write";
}  // namespace perm

struct PermissionInfo {
  std::string_view name;
  std::string_view title;  // Chinese, for the role editor
  Duty duty;               // the duty a permission belongs to; a role mixes no duties
};
const std::vector<PermissionInfo>& AllPermissions();
const PermissionInfo* FindPermission(std::string_view name);

struct RoleDef {
  std::string name;   // identifier: "clerk", "system-admin", or a custom one
  std::string title;  // Chinese title shown in the UI
  Duty duty = Duty::kBusiness;
  Scope scope = Scope::kOwn;
  std::vector<std::string> permissions;
  bool builtin = false;
};

// The eleven built-in roles of the issue, by identifier (applicant ... audit-admin).
const std::vector<RoleDef>& BuiltinRoles();
const RoleDef* FindBuiltinRole(std::string_view name);

// A custom role's definition is valid: name [a-z][a-z0-9-]{1,39} not a built-in one, a title,
// known permissions all of one duty. Errors: kInvalidArgument with the offending field.
Status CheckRoleDefinition(const RoleDef& role);

// A set of roles may be held by one account: at most one duty among them.
// Errors: kInvalidArgument "identity.duty_conflict" (field "roles").
Status CheckRoleCombination(const std::vector<RoleDef>& roles);

// Username: 3–40 characters of [a-z0-9._-], starting with a letter.
Status CheckUsername(std::string_view username);

// Password policy: at least 12 characters (UTF-8 code points), at most 128, at least two of
// letters, digits and other characters, and not containing the username.
// Errors: kInvalidArgument "validation.password_policy" (field "password").
Status CheckPasswordPolicy(std::string_view password, std::string_view username);

// GB/T 2260 region codes: six digits; province XX0000, city XXYY00, county XXYYZZ.
enum class RegionLevel { kProvince, kCity, kCounty };
std::string_view RegionLevelName(RegionLevel level);
std::optional<RegionLevel> ParseRegionLevel(std::string_view name);
// The level the code's shape implies, or nullopt if it is not six digits.
std::optional<RegionLevel> LevelOfRegionCode(std::string_view code);
// True if CODE is ANCESTOR or lies under it (by the code's prefix structure).
bool RegionContains(std::string_view ancestor, std::string_view code);

// The lockout rule: 5 failed logins lock the account for 30 minutes.
inline constexpr int kMaxFailedLogins = 5;
inline constexpr std::chrono::minutes kLockoutDuration{30};
// Idle sessions end after 30 minutes without a request.
inline constexpr std::chrono::minutes kIdleTimeout{30};

struct LoginState {
  int failed_logins = 0;
  std::optional<Instant> locked_until;
};
enum class LoginOutcome { kSuccess, kBadPassword, kLocked };
struct LoginDecision {
  LoginOutcome outcome;
  LoginState next;  // the state to store
};
// Decides a login attempt. A locked account is refused even with the right password; a lock
// that has expired is lifted; the fifth consecutive failure locks the account.
LoginDecision DecideLogin(const LoginState& state, bool password_ok, Instant now);

// The caller of a request, as the access checks see it.
struct Principal {
  int64_t user_id = 0;
  std::string username;
  std::string display_name;
  std::optional<int64_t> department_id;
  std::string department_code, department_name;
  std::optional<int64_t> section_id;
  std::string region_code;  // the region the user works for ("" if none)
  std::vector<std::string> roles;
  std::set<std::string, std::less<>> permissions;
  Scope scope = Scope::kOwn;  // the widest scope among the roles

  bool Has(std::string_view permission) const { return permissions.count(permission) > 0; }
};

// Builds a principal's permissions and scope from its roles.
void ApplyRoles(Principal& principal, const std::vector<RoleDef>& roles);

// Where an organisation object sits, for scope checks.
struct Placement {
  std::optional<int64_t> department_id;
  std::optional<int64_t> section_id;
  std::string region_code;               // the department's region
  std::optional<int64_t> owner_user_id;  // for a user record: the user itself
};

// True if the object placed at P is within the principal's data scope.
bool InScope(const Principal& principal, const Placement& p);

}  // namespace xn::identity
