#include "domain/cases/case.h"

#include <gtest/gtest.h>

#include "store/calendar/calendar_files.h"

namespace xn::cases {
namespace {

using calendar::ParseDate;

const calendar::Calendar& RealCalendar() {
  static const calendar::Calendar kCal = [] {
    auto years = calendar::LoadCalendarDir(std::string(XN_TEST_DATA_DIR) + "/data/calendar");
    return std::move(*calendar::Calendar::Build(std::move(*years), {}));
  }();
  return kCal;
}

Instant At(const char* date, int hour = 10) {
  return calendar::ShanghaiStartOfDay(*ParseDate(date)) + std::chrono::hours(hour);
}

// A flow for the test: review (handler) then approve (department-head), in sequence.
class TwoStepFlow : public FlowPort {
 public:
  Result<FlowAdvance> Start(const CaseData&) const override {
    return FlowAdvance{{{"review", "审核", {"handler"}, "", std::nullopt}}, "review", false};
  }
  Result<FlowAdvance> Complete(const std::string& token, const std::string& step,
                               const CaseData&, const std::optional<std::string>&) const override {
    if (step == "review") {
      return FlowAdvance{{{"approve", "审批", {"department-head"}, "", std::nullopt}}, "approve",
                         false};
    }
    return FlowAdvance{{}, "", true};
  }
};

identity::Principal Staff(int64_t id, const char* role, int64_t department) {
  identity::Principal p;
  p.user_id = id;
  p.department_id = department;
  p.roles = {role};
  return p;
}

class CaseTest : public ::testing::Test {
 protected:
  CaseTest() {
    matter_.code = "TEST-001";
    matter_.statutory = {20, catalog::LimitUnit::kWorkingDays, ""};
    matter_.promised = {10, catalog::LimitUnit::kWorkingDays, ""};
    matter_.fees = {{"工本费", "财政部文件", 1000}};
    c_.department_id = 4;
    c_.applicant_user_id = 99;
  }
  Result<Outcome> Do(const Case& c, Action a, const identity::Principal& who, const char* date) {
    Context ctx{RealCalendar(), matter_, flow_};
    return Decide(c, a, Actor{&who, At(date)}, ctx);
  }
  catalog::MatterDef matter_;
  TwoStepFlow flow_;
  Case c_;
  identity::Principal clerk_ = Staff(1, "clerk", 4);
  identity::Principal handler_ = Staff(2, "handler", 4);
  identity::Principal head_ = Staff(3, "department-head", 4);
  identity::Principal other_clerk_ = Staff(5, "clerk", 7);
  identity::Principal applicant_ = Staff(99, "applicant", 0);
};

TEST_F(CaseTest, FromAcceptanceToDeliveryWithCorrectionAcrossTheHoliday) {
  auto accepted = Do(c_, {.kind = ActionKind::kAccept}, clerk_, "2024-02-01");
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  Case c = accepted->next;
  EXPECT_EQ(c.state, CaseState::kInProgress);
  ASSERT_EQ(c.active_steps.size(), 1u);
  EXPECT_EQ(c.statutory->deadline, EndOfDay(*ParseDate("2024-03-05")));

  auto corr = Do(c, {.kind = ActionKind::kRequestCorrection, .items = {"营业执照副本"}}, handler_,
                 "2024-02-07");
  ASSERT_TRUE(corr.ok());
  EXPECT_EQ(corr->next.state, CaseState::kCorrectionPending);
  EXPECT_TRUE(corr->next.statutory->paused);

  auto resub = Do(corr->next, {.kind = ActionKind::kResubmit}, applicant_, "2024-02-19");
  ASSERT_TRUE(resub.ok()) << resub.error().message;
  c = resub->next;
  EXPECT_EQ(c.state, CaseState::kInProgress);
  EXPECT_EQ(c.statutory->deadline, EndOfDay(*ParseDate("2024-03-11")));

  // The approver cannot take the review step; the review cannot be skipped.
  auto wrong = Do(c, {.kind = ActionKind::kCompleteStep, .step_id = "review"}, head_, "2024-02-20");
  EXPECT_EQ(wrong.error().code, "case.not_your_step");
  auto skip = Do(c, {.kind = ActionKind::kCompleteStep, .step_id = "approve"}, head_, "2024-02-20");
  EXPECT_EQ(skip.error().code, "case.step_not_active");

  c = Do(c, {.kind = ActionKind::kCompleteStep, .step_id = "review"}, handler_, "2024-02-20")
          ->next;
  c = Do(c, {.kind = ActionKind::kCompleteStep, .step_id = "approve"}, head_, "2024-02-21")->next;
  EXPECT_EQ(c.state, CaseState::kAwaitingDecision);

  auto no_reason = Do(c, {.kind = ActionKind::kConclude, .decision = Decision::kRefuse}, head_,
                      "2024-02-21");
  EXPECT_EQ(no_reason.error().field, "reason");
  c = Do(c, {.kind = ActionKind::kConclude, .decision = Decision::kGrant}, head_, "2024-02-21")
          ->next;
  EXPECT_EQ(c.state, CaseState::kConcluded);
  EXPECT_EQ(c.fee_due_fen, 1000);

  EXPECT_EQ(Do(c, {.kind = ActionKind::kDeliver}, clerk_, "2024-02-22").error().code,
            "case.fee_unpaid");
  auto fee = Do(c, {.kind = ActionKind::kCollectFee, .fee_item = "工本费", .amount_fen = 1500},
                clerk_, "2024-02-22");
  ASSERT_TRUE(fee.ok());
  EXPECT_EQ(fee->event_data.at("within_standard"), "false");  // above the standard: ES-07
  auto delivered = Do(fee->next, {.kind = ActionKind::kDeliver}, clerk_, "2024-02-22");
  ASSERT_TRUE(delivered.ok());
  EXPECT_EQ(delivered->next.state, CaseState::kDelivered);
}

TEST_F(CaseTest, OutOfOrderAndOutOfDepartmentActionsAreRefused) {
  EXPECT_EQ(Do(c_, {.kind = ActionKind::kConclude, .decision = Decision::kGrant}, head_,
               "2024-02-01")
                .error()
                .code,
            "case.not_allowed_now");
  EXPECT_EQ(Do(c_, {.kind = ActionKind::kAccept}, other_clerk_, "2024-02-01").error().code,
            "case.role_not_allowed");
  EXPECT_EQ(Do(c_, {.kind = ActionKind::kDecline}, clerk_, "2024-02-01").error().field, "reason");
  EXPECT_EQ(
      Do(c_, {.kind = ActionKind::kRequestCorrection}, clerk_, "2024-02-01").error().field,
      "items");
}

TEST_F(CaseTest, ExtensionIsBoundedAndOnce) {
  Case c = Do(c_, {.kind = ActionKind::kAccept}, clerk_, "2024-02-01")->next;
  Action too_long{.kind = ActionKind::kExtend, .reason = "复杂", .days = 11, .approval = "局长批准"};
  EXPECT_EQ(Do(c, too_long, head_, "2024-02-20").error().code, "case.extension_range");
  Action ok{.kind = ActionKind::kExtend, .reason = "复杂", .days = 10, .approval = "局长批准"};
  EXPECT_EQ(Do(c, ok, handler_, "2024-02-20").error().code, "case.role_not_allowed");
  auto x = Do(c, ok, head_, "2024-02-20");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->next.statutory->deadline, EndOfDay(*ParseDate("2024-03-19")));
  EXPECT_EQ(Do(x->next, ok, head_, "2024-02-21").error().code, "case.already_extended");
}

TEST_F(CaseTest, CommitmentGrantIsVerifiedAndRevokedWhenUntrue) {
  matter_.commitment_allowed = true;
  matter_.verification_days = 20;
  Case c = Do(c_, {.kind = ActionKind::kAccept}, clerk_, "2024-03-01")->next;
  c = Do(c, {.kind = ActionKind::kCompleteStep, .step_id = "review"}, handler_, "2024-03-01")->next;
  c = Do(c, {.kind = ActionKind::kCompleteStep, .step_id = "approve"}, head_, "2024-03-01")->next;
  auto granted = Do(c, {.kind = ActionKind::kConclude, .decision = Decision::kGrantOnCommitment},
                    head_, "2024-03-01");
  ASSERT_TRUE(granted.ok());
  // Verification due on the 20th working day after Friday 1 March 2024.
  EXPECT_EQ(*granted->next.verification_deadline, EndOfDay(*ParseDate("2024-03-29")));
  Case g = granted->next;
  EXPECT_EQ(Do(g, {.kind = ActionKind::kVerifyCommitment, .reason = "现场核查"}, handler_,
               "2024-03-20")
                .error()
                .field,
            "passed");
  auto failed = Do(g, {.kind = ActionKind::kVerifyCommitment, .reason = "现场与承诺不符",
                       .passed = false},
                   handler_, "2024-03-20");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->next.state, CaseState::kRevoked);
  EXPECT_TRUE(IsClosed(failed->next.state));
  EXPECT_EQ(Do(failed->next, {.kind = ActionKind::kVerifyCommitment, .reason = "再查",
                              .passed = true},
               handler_, "2024-03-21")
                .error()
                .code,
            "case.not_allowed_now");
  // Without commitment handling on the matter, the decision is refused.
  matter_.commitment_allowed = false;
  EXPECT_EQ(Do(c, {.kind = ActionKind::kConclude, .decision = Decision::kGrantOnCommitment},
               head_, "2024-03-01")
                .error()
                .code,
            "case.commitment_not_allowed");
}

TEST_F(CaseTest, OnlyTheEfficiencyOfficePlacesACaseUnderSupervision) {
  identity::Principal supervisor = Staff(8, "supervisor", 30);
  EXPECT_EQ(Do(c_, {.kind = ActionKind::kSupervise, .reason = "群众反映"}, head_, "2024-03-01")
                .error()
                .code,
            "case.role_not_allowed");
  auto s = Do(c_, {.kind = ActionKind::kSupervise, .reason = "群众反映办理缓慢"}, supervisor,
              "2024-03-01");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->next.supervised);
  EXPECT_EQ(s->event_kind, "case.supervision_placed");
}

TEST(Codes, CreditCodeAndIdNumberCheckCharacters) {
  EXPECT_TRUE(ValidCreditCode("91350582MA2XYK123U"));
  EXPECT_FALSE(ValidCreditCode("91350582MA2XYK123V"));
  EXPECT_FALSE(ValidCreditCode("91350582MA2XYK12"));
  EXPECT_FALSE(ValidCreditCode("91350582MA2XYI123U"));  // I is not in the character set
  EXPECT_TRUE(ValidIdNumber("11010519491231002X"));
  EXPECT_TRUE(ValidIdNumber("350582199001011231"));
  EXPECT_FALSE(ValidIdNumber("350582199001011232"));
  EXPECT_FALSE(ValidIdNumber("35058219900101123"));
}

}  // namespace
}  // namespace xn::cases
