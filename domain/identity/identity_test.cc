#include "domain/identity/identity.h"

#include <gtest/gtest.h>

namespace xn::identity {
namespace {

TEST(PasswordPolicy, Table) {
  struct Case { const char* password; const char* username; bool ok; };
  const Case cases[] = {
      {"short1!", "alice", false},             // under 12
      {"abcdefghijkl", "alice", false},        // one class only
      {"abcdefghijk1", "alice", true},         // 12, two classes
      {"密码密码密码密码密码密码1", "alice", true},  // 13 code points, counted as characters
      {"alice-password-1", "alice", false},    // contains the username
      {"123456789012", "bob", false},          // digits only
  };
  for (const auto& c : cases) {
    Status s = CheckPasswordPolicy(c.password, c.username);
    EXPECT_EQ(s.ok(), c.ok) << c.password;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, "validation.password_policy");
      EXPECT_EQ(s.error().field, "password");
    }
  }
}

TEST(Lockout, FifthFailureLocksForThirtyMinutes) {
  Instant t0 = FromUnixMillis(1'700'000'000'000);
  LoginState s;
  for (int i = 1; i <= 4; ++i) {
    auto d = DecideLogin(s, false, t0);
    EXPECT_EQ(d.outcome, LoginOutcome::kBadPassword);
    EXPECT_FALSE(d.next.locked_until);
    s = d.next;
  }
  auto fifth = DecideLogin(s, false, t0);
  ASSERT_TRUE(fifth.next.locked_until);
  EXPECT_EQ(*fifth.next.locked_until, t0 + std::chrono::minutes(30));
  // The right password does not open a locked account.
  EXPECT_EQ(DecideLogin(fifth.next, true, t0 + std::chrono::minutes(29)).outcome,
            LoginOutcome::kLocked);
  // After thirty minutes the lock is lifted and the right password works.
  auto later = DecideLogin(fifth.next, true, t0 + std::chrono::minutes(30));
  EXPECT_EQ(later.outcome, LoginOutcome::kSuccess);
  EXPECT_EQ(later.next.failed_logins, 0);
}

TEST(Duties, AdminDutiesAreExclusive) {
  auto role = [](const char* n) { return *FindBuiltinRole(n); };
  EXPECT_TRUE(CheckRoleCombination({role("clerk"), role("handler")}).ok());
  EXPECT_FALSE(CheckRoleCombination({role("system-admin"), role("audit-admin")}).ok());
  EXPECT_FALSE(CheckRoleCombination({role("security-admin"), role("clerk")}).ok());
  EXPECT_EQ(BuiltinRoles().size(), 11u);
  // The system admin reads no audit log; the audit admin nothing else.
  Principal p;
  ApplyRoles(p, {role("system-admin")});
  EXPECT_FALSE(p.Has(perm::kAuditRead));
  EXPECT_FALSE(p.Has(perm::kGrantsWrite));
  ApplyRoles(p, {role("audit-admin")});
  EXPECT_EQ(p.permissions.size(), 1u);
}

TEST(Regions, CodesAndContainment) {
  EXPECT_EQ(LevelOfRegionCode("330000"), RegionLevel::kProvince);
  EXPECT_EQ(LevelOfRegionCode("330100"), RegionLevel::kCity);
  EXPECT_EQ(LevelOfRegionCode("330106"), RegionLevel::kCounty);
  EXPECT_FALSE(LevelOfRegionCode("33010"));
  EXPECT_FALSE(LevelOfRegionCode("33a106"));
  EXPECT_TRUE(RegionContains("330000", "330106"));
  EXPECT_TRUE(RegionContains("330100", "330106"));
  EXPECT_FALSE(RegionContains("330200", "330106"));
  EXPECT_FALSE(RegionContains("330106", "330100"));
}

TEST(Scope, ClerkSeesOwnDepartmentOnly) {
  Principal clerk;
  clerk.user_id = 7;
  clerk.department_id = 1;
  ApplyRoles(clerk, {*FindBuiltinRole("clerk")});
  EXPECT_TRUE(InScope(clerk, {.department_id = 1, .region_code = "330106"}));
  EXPECT_FALSE(InScope(clerk, {.department_id = 2, .region_code = "330106"}));
  Principal supervisor;
  supervisor.user_id = 8;
  supervisor.region_code = "330100";
  ApplyRoles(supervisor, {*FindBuiltinRole("supervisor")});
  EXPECT_TRUE(InScope(supervisor, {.department_id = 2, .region_code = "330106"}));
  EXPECT_FALSE(InScope(supervisor, {.department_id = 3, .region_code = "320106"}));
  Principal applicant;
  applicant.user_id = 9;
  ApplyRoles(applicant, {*FindBuiltinRole("applicant")});
  EXPECT_TRUE(InScope(applicant, {.owner_user_id = 9}));
  EXPECT_FALSE(InScope(applicant, {.department_id = 1, .owner_user_id = 7}));
}

}  // namespace
}  // namespace xn::identity
