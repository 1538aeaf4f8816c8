#include "domain/supervision/rules.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace xn::supervision {
namespace {

using calendar::Date;
using calendar::ParseDate;
using catalog::LimitUnit;

// ---------------------------------------------------------------------------------------------
// Fixtures: the 2026 calendar (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04), the
// built-in rule set, and cases made by the case rules themselves.

const calendar::Calendar& Calendar2026() {
  static const calendar::Calendar kCal = [] {
    calendar::YearData y;
    y.year = 2026;
    y.notice.title = "国务院办公厅关于2026年部分节假日安排的通知";
    auto d = [](const char* s) { return *ParseDate(s); };
    y.holidays = {{"元旦", d("2026-01-01"), d("2026-01-03")},
                  {"春节", d("2026-02-15"), d("2026-02-23")},
                  {"清明节", d("2026-04-04"), d("2026-04-06")},
                  {"劳动节", d("2026-05-01"), d("2026-05-05")},
                  {"端午节", d("2026-06-19"), d("2026-06-21")},
                  {"中秋节", d("2026-09-25"), d("2026-09-27")},
                  {"国庆节", d("2026-10-01"), d("2026-10-07")}};
    y.makeup_workdays = {{d("2026-01-04"), "元旦"},   {d("2026-02-14"), "春节"},
                         {d("2026-02-28"), "春节"},   {d("2026-05-09"), "劳动节"},
                         {d("2026-09-20"), "国庆节"}, {d("2026-10-10"), "国庆节"}};
    auto cal = calendar::Calendar::Build({y}, {});
    EXPECT_TRUE(cal.ok());
    return std::move(*cal);
  }();
  return kCal;
}

// HH:MM Asia/Shanghai on DATE.
Instant At(const char* date, int hour = 10, int minute = 0) {
  return calendar::ShanghaiStartOfDay(*ParseDate(date)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}
// 24:00 of DATE.
Instant EndOf(const char* date) { return cases::EndOfDay(*ParseDate(date)); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const RuleSet& Builtin() {
  static const RuleSet kSet = [] {
    auto set = ParseRules(ReadFile(std::string(XN_TEST_DATA_DIR) + "/data/rules/builtin.rules"));
    EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
    return set.ok() ? std::move(*set) : RuleSet();
  }();
  return kSet;
}

const Rule& BuiltinRule(std::string_view id) {
  const Rule* r = Builtin().Find(id);
  EXPECT_NE(r, nullptr) << id;
  static const Rule kEmpty;
  return r ? *r : kEmpty;
}

// Review (handler, 2 working days) then approve (department head), in sequence.
class TwoStepFlow : public cases::FlowPort {
 public:
  Result<cases::FlowAdvance> Start(const cases::CaseData&) const override {
    return cases::FlowAdvance{
        {{"review", "审核", {"handler"}, "", catalog::TimeLimit{2, LimitUnit::kWorkingDays, ""}}},
        "review",
        false};
  }
  Result<cases::FlowAdvance> Complete(const std::string&, const std::string& step,
                                      const cases::CaseData&,
                                      const std::optional<std::string>&) const override {
    if (step == "review") {
      return cases::FlowAdvance{{{"approve", "审批", {"department-head"}, "", std::nullopt}},
                                "approve",
                                false};
    }
    return cases::FlowAdvance{{}, "", true};
  }
};

// A case driven through the real case rules (domain/cases), acting as the system.
class Story {
 public:
  explicit Story(int promised_days = 5, int statutory_days = 20) {
    matter_.code = "TEST-001";
    matter_.name = "食品经营许可";
    matter_.statutory = {statutory_days, LimitUnit::kWorkingDays, ""};
    matter_.promised = {promised_days, LimitUnit::kWorkingDays, ""};
    matter_.fees = {{"工本费", "财政部文件", 1000}};
    c_.id = 42;
    c_.case_no = "TEST-001202602120001";
    c_.matter_code = matter_.code;
    c_.matter_name = matter_.name;
    c_.department_id = 4;
    c_.department_code = "350582-SCJG";
  }

  Story& Submit(Instant at) {
    c_.submitted_at = at;
    return *this;
  }
  // Applies ACTION at AT; the case moves on, the event is kept.
  Story& Do(cases::Action action, Instant at) {
    cases::Context ctx{Calendar2026(), matter_, flow_};
    auto o = cases::Decide(c_, action, cases::Actor{nullptr, at}, ctx);
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().message);
    if (o.ok()) {
      c_ = o->next;
      kind_ = o->event_kind;
      data_ = o->event_data;
      at_ = at;
    }
    return *this;
  }
  Story& Accept(Instant at) { return Do({.kind = cases::ActionKind::kAccept}, at); }
  Story& Complete(const char* step, Instant at) {
    return Do({.kind = cases::ActionKind::kCompleteStep, .step_id = step}, at);
  }
  Story& Conclude(cases::Decision d, Instant at, std::string reason = "") {
    return Do({.kind = cases::ActionKind::kConclude, .reason = std::move(reason), .decision = d},
              at);
  }

  const cases::Case& kase() const { return c_; }
  cases::Case& kase() { return c_; }
  const std::string& kind() const { return kind_; }
  std::map<std::string, std::string>& data() { return data_; }

  // The last event through RULE, with the case's facts after it.
  Result<EventVerdict> Evaluate(const Rule& rule, const CountSource* counts = nullptr) const {
    FieldMap facts = CaseFacts(c_);
    MapView fields(data_);
    Event e{kind_, at_, fields};
    return EvaluateEvent(rule, e, facts, counts, &Calendar2026());
  }
  bool Fires(const Rule& rule, const CountSource* counts = nullptr) const {
    auto v = Evaluate(rule, counts);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
    return v.ok() && v->fires;
  }

  // The case's moment for time rule RULE.
  std::optional<Moment> MomentFor(const Rule& rule) const {
    FieldMap facts = CaseFacts(c_);
    TimeFacts t = CaseTimeFacts(c_, facts);
    auto m = NextMoment(rule, t, Calendar2026());
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? *m : std::nullopt;
  }
  TimeVerdict EvaluateAt(const Rule& rule, Instant now) const {
    FieldMap facts = CaseFacts(c_);
    TimeFacts t = CaseTimeFacts(c_, facts);
    auto v = EvaluateTime(rule, t, Calendar2026(), now);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
    return v.ok() ? *v : TimeVerdict{};
  }

 private:
  catalog::MatterDef matter_;
  TwoStepFlow flow_;
  cases::Case c_;
  std::string kind_;
  std::map<std::string, std::string> data_;
  Instant at_;
};

// A count source with fixed answers, recording what it was asked.
class FixedCounts : public CountSource {
 public:
  explicit FixedCounts(int64_t n) : n_(n) {}
  Result<int64_t> Count(const CountSpec& spec) const override {
    asked_.push_back(spec);
    return n_;
  }
  mutable std::vector<CountSpec> asked_;

 private:
  int64_t n_;
};

class NoCountsExpected : public CountSource {
 public:
  Result<int64_t> Count(const CountSpec&) const override {
    ADD_FAILURE() << "count asked for";
    return int64_t{0};
  }
};

Rule ParseOne(const std::string& text) {
  auto set = ParseRules(text);
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
  if (!set.ok() || set->rules().empty()) return Rule();
  return set->rules().front();
}

// A time rule on the promised limit of a case.
std::string TimeRule(const std::string& at, const std::string& when = "",
                     const std::string& target = "case") {
  return "rule T-1\n name 测试\n basis 测试依据\n level reminder\n target " + target + "\n at " +
         at + "\n" + (when.empty() ? "" : " when " + when + "\n") +
         " message {rule} {deadline} {days}\nend\n";
}
std::string EventRule(const std::string& on, const std::string& when) {
  return "rule E-1\n name 测试\n basis 测试依据\n level yellow\n target case\n on " + on +
         "\n when " + when + "\n message {rule} {case_no}\nend\n";
}

// ---------------------------------------------------------------------------------------------
// The built-in set

TEST(BuiltinRules, ParseWithEveryEsRuleAndTheDisabledOnesSayWhatTheyWaitFor) {
  const RuleSet& set = Builtin();
  for (int i = 1; i <= 15; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "ES-%02d", i);
    EXPECT_NE(set.Find(id), nullptr) << id;
  }
  std::vector<std::string> disabled;
  for (const auto& r : set.rules()) {
    if (!r.enabled()) {
      disabled.push_back(r.id());
      EXPECT_NE(r.note().find("待数据"), std::string::npos) << r.id();
    }
    // Every message names its rule and its legal basis.
    EXPECT_NE(r.message().find("{rule}"), std::string::npos) << r.id();
    EXPECT_NE(r.message().find("{basis}"), std::string::npos) << r.id();
  }
  EXPECT_EQ(disabled, (std::vector<std::string>{"ES-04", "ES-13", "ES-14", "ES-15", "CP-01",
                                                "CP-02", "SO-01"}));
  // The kind index holds the enabled event rules only.
  auto declined = set.EventRulesFor("case.declined");
  ASSERT_EQ(declined.size(), 2u);
  EXPECT_EQ(set.rules()[declined[0]].id(), "ES-01");
  EXPECT_EQ(set.rules()[declined[1]].id(), "ES-05");
  EXPECT_TRUE(set.EventRulesFor("case.voided").empty());
  EXPECT_TRUE(set.EventRulesFor("case.nothing").empty());
  EXPECT_EQ(set.TimeRulesFor(Target::kStep).size(), 1u);
  EXPECT_EQ(set.TimeRulesFor(Target::kCase).size(), 4u);  // ES-02, ES-08, ES-12, ES-16
  EXPECT_TRUE(set.TimeRulesFor(Target::kComplaint).empty());
}

TEST(BuiltinRules, RoundTripThroughText) {
  const RuleSet& set = Builtin();
  std::string text = set.Serialize();
  auto again = ParseRules(text);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->Serialize(), text);
  ASSERT_EQ(again->rules().size(), set.rules().size());
  for (size_t i = 0; i < set.rules().size(); ++i) {
    const Rule& a = set.rules()[i];
    const Rule& b = again->rules()[i];
    EXPECT_EQ(a.id(), b.id());
    EXPECT_EQ(a.name(), b.name());
    EXPECT_EQ(a.basis(), b.basis());
    EXPECT_EQ(a.level(), b.level());
    EXPECT_EQ(a.target(), b.target());
    EXPECT_EQ(a.enabled(), b.enabled());
    EXPECT_EQ(a.note(), b.note());
    EXPECT_EQ(a.message(), b.message());
    EXPECT_EQ(a.event_kinds(), b.event_kinds());
    EXPECT_EQ(a.conditions(), b.conditions());
    EXPECT_EQ(a.comments(), b.comments());
    EXPECT_EQ(a.is_time_rule(), b.is_time_rule());
  }
  EXPECT_NE(text.find("# ES-01: an unlawful decline"), std::string::npos);
  EXPECT_NE(text.find("  at       1 working day before promised deadline\n"), std::string::npos);
}

// ES-01: unusual numbers of declines in a department.
TEST(BuiltinRules, Es01FiresOnTheFifthDeclineInThirtyDays) {
  const Rule& rule = BuiltinRule("ES-01");
  Story s;
  s.Submit(At("2026-03-02")).Do({.kind = cases::ActionKind::kDecline, .reason = "不属于本机关职权"},
                                At("2026-03-02", 11));
  FixedCounts five(5), four(4);
  auto v = s.Evaluate(rule, &five);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  ASSERT_EQ(five.asked_.size(), 1u);
  EXPECT_EQ(five.asked_[0].scope, CountScope::kDepartment);
  EXPECT_EQ(five.asked_[0].kinds, std::vector<std::string>{"case.declined"});
  ASSERT_TRUE(five.asked_[0].window.has_value());
  EXPECT_EQ(five.asked_[0].window->amount, 30);
  EXPECT_EQ(five.asked_[0].window->unit, SpanUnit::kDays);
  EXPECT_NE(v->explanation.find("同一部门30个自然日内 case.declined 次数（5） ≥ 5"),
            std::string::npos)
      << v->explanation;
  EXPECT_NE(v->message.find("已作出不予受理决定 5 件"), std::string::npos) << v->message;
  EXPECT_NE(v->message.find("350582-SCJG"), std::string::npos);
  EXPECT_FALSE(s.Fires(rule, &four));
}

// ES-02: the whole case past its promised limit.
TEST(BuiltinRules, Es02FiresAtThePromisedDeadlineUntilConcluded) {
  const Rule& rule = BuiltinRule("ES-02");
  Story s(5);
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  // Accepted Monday 2 March: the 5th working day after it is Monday 9 March.
  auto m = s.MomentFor(rule);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at, EndOf("2026-03-09"));
  EXPECT_FALSE(s.EvaluateAt(rule, EndOf("2026-03-09") - std::chrono::seconds(1)).fires);
  auto v = s.EvaluateAt(rule, EndOf("2026-03-09"));
  EXPECT_TRUE(v.fires);
  EXPECT_NE(v.explanation.find("承诺时限 2026-03-09 24:00（受理 2026-03-02 10:00 后 5 个工作日，"
                               "跳过 2026-03-07 至 2026-03-08 周末）"),
            std::string::npos)
      << v.explanation;
  EXPECT_NE(v.message.find("已超过承诺时限 2026-03-09 24:00"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("ES-02"), std::string::npos);
  EXPECT_NE(v.message.find("第四十二条"), std::string::npos);

  // Compliant: concluded in time, nothing left to look at.
  s.Complete("review", At("2026-03-03")).Complete("approve", At("2026-03-04"));
  s.Conclude(cases::Decision::kGrant, At("2026-03-05"));
  EXPECT_FALSE(s.MomentFor(rule).has_value());
  EXPECT_FALSE(s.EvaluateAt(rule, At("2026-03-20")).fires);
}

// ES-03: a step past its own limit while the case is within its whole limit.
TEST(BuiltinRules, Es03FiresForAnOverdueStepOnlyWithinTheWholeLimit) {
  const Rule& rule = BuiltinRule("ES-03");
  Story s(10);
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  ASSERT_EQ(s.kase().active_steps.size(), 1u);
  const cases::ActiveStep& step = s.kase().active_steps[0];
  FieldMap case_facts = CaseFacts(s.kase());
  FieldMap step_facts = StepFacts(step);
  TimeFacts t = StepTimeFacts(step, step_facts, case_facts);
  auto m = NextMoment(rule, t, Calendar2026());
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->at, EndOf("2026-03-04"));  // review: 2 working days
  auto v = EvaluateTime(rule, t, Calendar2026(), At("2026-03-05"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->message.find("环节「审核」已超过环节时限 2026-03-04 24:00"), std::string::npos)
      << v->message;
  EXPECT_NE(
      v->explanation.find("环节时限 2026-03-04 24:00（环节开始 2026-03-02 10:00 后 2 个工作日）"),
      std::string::npos)
      << v->explanation;
  EXPECT_NE(MakeAlertKey(rule, "case:42/step:review", (*m)->at).ToString().find("ES-03|"),
            std::string::npos);

  // Compliant: a step whose limit outlasts the promised limit is ES-02's business.
  Story late(1);
  late.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  FieldMap late_case = CaseFacts(late.kase());
  FieldMap late_step = StepFacts(late.kase().active_steps[0]);
  auto none = NextMoment(rule, StepTimeFacts(late.kase().active_steps[0], late_step, late_case),
                         Calendar2026());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// ES-05: a decline or refusal without reasons.
TEST(BuiltinRules, Es05FiresOnADeclineOrRefusalWithoutReasons) {
  const Rule& rule = BuiltinRule("ES-05");
  // The case rules refuse a decline without reasons, so a record without them comes from
  // elsewhere (an import, a lower node): the event is crafted.
  Story s;
  s.Submit(At("2026-03-02")).Do({.kind = cases::ActionKind::kDecline, .reason = "不属于本机关职权"},
                                At("2026-03-02", 11));
  EXPECT_FALSE(s.Fires(rule));
  s.data()["reason"] = "";
  EXPECT_TRUE(s.Fires(rule));
  s.data().erase("reason");
  auto v = s.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->explanation.find("reason 缺失"), std::string::npos) << v->explanation;
  EXPECT_NE(v->explanation.find("event.kind（case.declined） = \"case.declined\""),
            std::string::npos)
      << v->explanation;

  Story g;
  g.Submit(At("2026-03-02")).Accept(At("2026-03-02", 11));
  g.Complete("review", At("2026-03-03")).Complete("approve", At("2026-03-04"));
  g.Conclude(cases::Decision::kGrant, At("2026-03-05"));
  EXPECT_FALSE(g.Fires(rule));  // a grant needs no reasons
  g.data()["decision"] = "refuse";
  EXPECT_TRUE(g.Fires(rule));   // a refusal does
}

// ES-06: the whole flow recorded in minutes after acceptance.
TEST(BuiltinRules, Es06FiresWhenTheWholeFlowIsRecordedInMinutes) {
  const Rule& rule = BuiltinRule("ES-06");
  Story fast;
  fast.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02", 10, 0));
  fast.Complete("review", At("2026-03-02", 10, 2)).Complete("approve", At("2026-03-02", 10, 4));
  fast.Conclude(cases::Decision::kGrant, At("2026-03-02", 10, 5));
  auto v = fast.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->explanation.find("minutes_since(case.accepted_at_ms)（5，2026-03-02 10:00 至 "
                                "2026-03-02 10:05） < 10"),
            std::string::npos)
      << v->explanation;
  EXPECT_NE(v->message.find("走完 2 个环节"), std::string::npos) << v->message;

  Story normal;
  normal.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02", 10));
  normal.Complete("review", At("2026-03-03")).Complete("approve", At("2026-03-04"));
  normal.Conclude(cases::Decision::kGrant, At("2026-03-04", 15));
  EXPECT_FALSE(normal.Fires(rule));
}

// ES-07: a fee outside the list or above the standard.
TEST(BuiltinRules, Es07FiresOnAFeeAboveTheStandardOrOutsideTheList) {
  const Rule& rule = BuiltinRule("ES-07");
  Story s;
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  s.Complete("review", At("2026-03-03")).Complete("approve", At("2026-03-04"));
  s.Conclude(cases::Decision::kGrant, At("2026-03-05"));
  const cases::Case concluded = s.kase();

  s.Do({.kind = cases::ActionKind::kCollectFee, .fee_item = "工本费", .amount_fen = 1000},
       At("2026-03-06"));
  EXPECT_FALSE(s.Fires(rule));

  s.kase() = concluded;
  s.Do({.kind = cases::ActionKind::kCollectFee, .fee_item = "工本费", .amount_fen = 1500},
       At("2026-03-06"));
  auto v = s.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->explanation.find("within_standard（false） = false"), std::string::npos)
      << v->explanation;
  EXPECT_NE(v->message.find("收取「工本费」1500 分"), std::string::npos) << v->message;
  EXPECT_NE(v->message.find("标准 1000 分"), std::string::npos) << v->message;

  // The field comparison alone (an imported record without the within_standard flag).
  s.data().erase("within_standard");
  v = s.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->explanation.find("amount_fen（1500） > standard_fen（1000）"), std::string::npos)
      << v->explanation;

  s.kase() = concluded;
  s.Do({.kind = cases::ActionKind::kCollectFee, .fee_item = "加急费", .amount_fen = 200},
       At("2026-03-06"));
  EXPECT_TRUE(s.Fires(rule));  // not in the list
}

// ES-08: one working day left, across the 2026 Spring Festival and its make-up workday.
TEST(BuiltinRules, Es08RemindsOneWorkingDayBeforeTheDeadlineAcrossTheSpringFestival) {
  const Rule& rule = BuiltinRule("ES-08");
  Story s(3);
  // Accepted Thursday 12 February 2026: Friday 13 (1), Saturday 14, a make-up workday (2),
  // then 春节 15–23 February, Tuesday 24 (3): the promised deadline is 24 February, 24:00.
  s.Submit(At("2026-02-12", 9)).Accept(At("2026-02-12"));
  EXPECT_EQ(s.kase().promised->deadline, EndOf("2026-02-24"));
  // One working day before it is the make-up Saturday, not Monday 23 (a holiday).
  auto m = s.MomentFor(rule);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at, EndOf("2026-02-14"));
  EXPECT_FALSE(m->provisional);
  EXPECT_FALSE(s.EvaluateAt(rule, At("2026-02-14", 23)).fires);
  auto v = s.EvaluateAt(rule, At("2026-02-15", 9));
  EXPECT_TRUE(v.fires);
  EXPECT_EQ(v.explanation,
            "承诺时限 2026-02-24 24:00（受理 2026-02-12 10:00 后 3 个工作日，跳过 2026-02-15 至 "
            "2026-02-23 春节；2026-02-14 春节调休上班，计入）；检查时刻 = 承诺时限前 1 个工作日 = "
            "2026-02-14 24:00（跳过 2026-02-15 至 2026-02-23 春节）；state（in_progress） ∈ "
            "{in_progress, awaiting_decision}");
  EXPECT_EQ(v.message,
            "【提醒·ES-08 临近承诺时限】办件 TEST-001202602120001（食品经营许可，350582-SCJG）"
            "距承诺时限 2026-02-24 24:00 仅剩 1 个工作日，请抓紧办理。依据：《中华人民共和国行政"
            "许可法》第四十二条；本事项服务指南公布的承诺时限。");
  EXPECT_EQ(MakeAlertKey(rule, "case:42", m->at).ToString(),
            "ES-08|case:42|" + std::to_string(ToUnixMillis(EndOf("2026-02-14"))));

  // Compliant: concluded before the reminder, no moment.
  s.Complete("review", At("2026-02-13")).Complete("approve", At("2026-02-13", 11));
  s.Conclude(cases::Decision::kGrant, At("2026-02-13", 15));
  EXPECT_FALSE(s.MomentFor(rule).has_value());
}

TEST(TimeRules, PausedClockYieldsNoMomentAndResumptionMovesIt) {
  const Rule& es08 = BuiltinRule("ES-08");
  const Rule& es02 = BuiltinRule("ES-02");
  Story s(5);
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  ASSERT_TRUE(s.MomentFor(es08).has_value());
  s.Do({.kind = cases::ActionKind::kRequestCorrection, .items = {"营业执照副本"}},
       At("2026-03-03"));
  ASSERT_TRUE(s.kase().promised->paused);
  EXPECT_FALSE(s.MomentFor(es08).has_value());
  EXPECT_FALSE(s.MomentFor(es02).has_value());
  EXPECT_FALSE(s.EvaluateAt(es02, At("2026-06-01")).fires);
  // A rule on the pause itself still has its moment.
  Rule long_pause = ParseOne(TimeRule("30 days after pause", "state = \"correction_pending\""));
  auto m = s.MomentFor(long_pause);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at, EndOf("2026-04-02"));

  // Resumed Monday 9 March with 4 working days left: deadline Friday 13 March.
  s.Do({.kind = cases::ActionKind::kResubmit}, At("2026-03-09"));
  auto again = s.MomentFor(es08);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(s.kase().promised->deadline, EndOf("2026-03-13"));
  EXPECT_EQ(again->at, EndOf("2026-03-12"));
  EXPECT_FALSE(s.MomentFor(long_pause).has_value());
}

TEST(TimeRules, MomentsAcrossTheSpringFestivalRespectTheMakeUpWorkdays) {
  struct Row {
    const char* at;
    const char* accepted;
    int promised_days;
    const char* moment;
  };
  // Accepted 12 February, 10 working days: 13, 14 (make-up), 24, 25, 26, 27, 28 (make-up),
  // 2, 3, 4 March: deadline 4 March.
  const Row rows[] = {
      {"promised deadline", "2026-02-12", 10, "2026-03-04"},
      {"1 working day before promised deadline", "2026-02-12", 10, "2026-03-03"},
      {"4 working days before promised deadline", "2026-02-12", 10, "2026-02-27"},
      {"5 working days before promised deadline", "2026-02-12", 10, "2026-02-26"},
      {"7 working days before promised deadline", "2026-02-12", 10, "2026-02-24"},
      {"8 working days before promised deadline", "2026-02-12", 10, "2026-02-14"},
      {"80% of promised limit", "2026-02-12", 10, "2026-03-02"},  // 2 working days left
      {"50% of promised limit", "2026-02-12", 10, "2026-02-26"},
      {"100% of promised limit", "2026-02-12", 10, "2026-03-04"},
      {"2 working days after promised deadline", "2026-02-12", 10, "2026-03-06"},
      {"3 days after promised deadline", "2026-02-12", 10, "2026-03-07"},
      {"2 working days after acceptance", "2026-02-12", 10, "2026-02-14"},
      {"3 working days after acceptance", "2026-02-12", 10, "2026-02-24"},
      {"20 working days before statutory deadline", "2026-02-12", 10, "2026-02-12"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.at);
    Rule rule = ParseOne(TimeRule(row.at));
    Story s(row.promised_days);
    s.Submit(At(row.accepted, 9)).Accept(At(row.accepted));
    auto m = s.MomentFor(rule);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(FormatMoment(m->at), std::string(row.moment) + " 24:00");
  }
  // Hours are elapsed hours; the moment keeps its time of day.
  Rule hours = ParseOne(TimeRule("12 hours after acceptance"));
  Story s;
  s.Submit(At("2026-02-14", 9)).Accept(At("2026-02-14", 15, 30));
  EXPECT_EQ(FormatMoment(s.MomentFor(hours)->at), "2026-02-15 03:30");
}

TEST(TimeRules, ShareOfAnHoursLimitAndOfAnUnknownLimit) {
  Rule rule = ParseOne(TimeRule("75% of promised limit"));
  FieldMap facts{{"state", "in_progress"}};
  TimeFacts t;
  t.fields = &facts;
  t.Set(ClockId::kPromised, ClockFacts{At("2026-03-02", 18), 4, LimitUnit::kHours, false});
  auto m = NextMoment(rule, t, Calendar2026());
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ(FormatMoment((*m)->at), "2026-03-02 17:00");  // 60 of 240 minutes left
  t.Set(ClockId::kPromised, ClockFacts{At("2026-03-02", 18), 0, LimitUnit::kHours, false});
  m = NextMoment(rule, t, Calendar2026());
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
}

TEST(TimeRules, YearsWithoutANoticeAreOutOfRangeUnlessProvisionalIsAllowed) {
  Rule rule = ParseOne(TimeRule("1 working day before promised deadline"));
  FieldMap facts;
  TimeFacts t;
  t.fields = &facts;
  t.Set(ClockId::kPromised, ClockFacts{EndOf("2027-03-02"), 5, LimitUnit::kWorkingDays, false});
  auto m = NextMoment(rule, t, Calendar2026());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "calendar.out_of_range");

  calendar::YearData y;
  y.year = 2026;
  auto lenient = calendar::Calendar::Build({y}, {}, {.allow_provisional = true});
  ASSERT_TRUE(lenient.ok());
  m = NextMoment(rule, t, *lenient);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_TRUE((*m)->provisional);
  EXPECT_EQ((*m)->at, EndOf("2027-03-01"));
}

// ES-09: a second correction round, or a first notice more than five working days late.
TEST(BuiltinRules, Es09FiresOnASecondRoundOrALateFirstNotice) {
  const Rule& rule = BuiltinRule("ES-09");
  // Received Thursday 12 February; the 5th working day after it is 26 February (春节 between).
  Story in_time;
  in_time.Submit(At("2026-02-12"));
  in_time.Do({.kind = cases::ActionKind::kRequestCorrection, .items = {"身份证明"}},
             At("2026-02-26"));
  EXPECT_FALSE(in_time.Fires(rule));

  Story late;
  late.Submit(At("2026-02-12"));
  late.Do({.kind = cases::ActionKind::kRequestCorrection, .items = {"身份证明"}},
          At("2026-02-27"));
  auto v = late.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->explanation.find("working_days_since(case.submitted_at_ms)（6，2026-02-12 10:00 至 "
                                "2026-02-27 10:00） > 5"),
            std::string::npos)
      << v->explanation;

  // A second round after acceptance.
  Story twice;
  twice.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  twice.Do({.kind = cases::ActionKind::kRequestCorrection, .items = {"图纸"}}, At("2026-03-03"));
  EXPECT_FALSE(twice.Fires(rule));
  twice.Do({.kind = cases::ActionKind::kResubmit}, At("2026-03-04"));
  twice.Do({.kind = cases::ActionKind::kRequestCorrection, .items = {"图纸签章"}},
           At("2026-03-05"));
  v = twice.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->message.find("第 2 次要求补正"), std::string::npos) << v->message;

  // Working days need the calendar.
  FieldMap facts = CaseFacts(late.kase());
  std::map<std::string, std::string> data{{"round", "1"}};
  MapView fields(data);
  auto no_cal = EvaluateEvent(rule, Event{"case.correction_requested", At("2026-02-27"), fields},
                              facts);
  ASSERT_FALSE(no_cal.ok());
  EXPECT_EQ(no_cal.error().code, "rules.needs_calendar");
}

// ES-10: a special procedure without reason, basis or written notice.
TEST(BuiltinRules, Es10FiresOnASpecialProcedureWithoutItsNotice) {
  const Rule& rule = BuiltinRule("ES-10");
  Story s;
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  s.Do({.kind = cases::ActionKind::kStartSpecialProcedure,
        .reason = "专家评审",
        .days = 10,
        .basis = "行政许可法第四十五条",
        .notice = "已书面告知申请人需 10 个工作日"},
       At("2026-03-03"));
  EXPECT_FALSE(s.Fires(rule));
  s.data().erase("notice");
  auto v = s.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->explanation.find("notice 缺失"), std::string::npos) << v->explanation;
}

// ES-11: an extension without an approval record.
TEST(BuiltinRules, Es11FiresOnAnExtensionWithoutApproval) {
  const Rule& rule = BuiltinRule("ES-11");
  Story s;
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  s.Do({.kind = cases::ActionKind::kExtend,
        .reason = "需现场核查",
        .days = 10,
        .approval = "局长张某 2026-03-05 批准"},
       At("2026-03-05"));
  EXPECT_FALSE(s.Fires(rule));
  s.data()["approval"] = "";
  auto v = s.Evaluate(rule);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_NE(v->message.find("延长办理期限 10 个工作日"), std::string::npos) << v->message;
}

// ES-12: concluded but not delivered within 10 working days.
TEST(BuiltinRules, Es12FiresTenWorkingDaysAfterConclusionWithoutDelivery) {
  const Rule& rule = BuiltinRule("ES-12");
  Story s;
  s.Submit(At("2026-02-10", 9)).Accept(At("2026-02-10"));
  s.Complete("review", At("2026-02-11")).Complete("approve", At("2026-02-12"));
  s.Conclude(cases::Decision::kRefuse, At("2026-02-13"), "不符合条件");
  // Friday 13 February + 10 working days: 14 (make-up), 24–27, 28 (make-up), 2–5 March.
  auto m = s.MomentFor(rule);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at, EndOf("2026-03-05"));
  auto v = s.EvaluateAt(rule, At("2026-03-06"));
  EXPECT_TRUE(v.fires);
  EXPECT_NE(v.explanation.find("办结时间 2026-02-13 10:00；检查时刻 = 办结时间后 10 个工作日 = "
                               "2026-03-05 24:00（跳过 2026-02-15 至 2026-02-23 春节、2026-03-01 "
                               "周末；2026-02-14 春节调休上班、2026-02-28 春节调休上班，计入）"),
            std::string::npos)
      << v.explanation;
  EXPECT_NE(v.message.find("办结后 10 个工作日仍未送达（期限 2026-03-05 24:00）"),
            std::string::npos)
      << v.message;

  s.Do({.kind = cases::ActionKind::kDeliver}, At("2026-02-16"));
  EXPECT_FALSE(s.MomentFor(rule).has_value());
}

// ES-16: a submission left without any decision for more than five working days.
TEST(BuiltinRules, Es16FiresFiveWorkingDaysAfterSubmissionWithoutAcceptance) {
  const Rule& rule = BuiltinRule("ES-16");
  Story s;
  s.Submit(At("2026-03-02"));
  auto m = s.MomentFor(rule);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at, EndOf("2026-03-09"));
  EXPECT_TRUE(s.EvaluateAt(rule, EndOf("2026-03-09")).fires);
  s.Accept(At("2026-03-03"));
  EXPECT_FALSE(s.MomentFor(rule).has_value());
}

TEST(BuiltinRules, DisabledRulesNeitherFireNorHaveMoments) {
  for (const char* id : {"ES-04", "ES-13", "ES-14", "ES-15"}) {
    SCOPED_TRACE(id);
    const Rule& rule = BuiltinRule(id);
    EXPECT_FALSE(rule.enabled());
    Story s;
    s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
    s.Complete("review", At("2026-03-03")).Complete("approve", At("2026-03-04"));
    s.Conclude(cases::Decision::kGrant, At("2026-03-05"));
    FixedCounts many(100);
    EXPECT_FALSE(s.Fires(rule, &many));
    EXPECT_FALSE(s.MomentFor(rule).has_value());
  }
}

// ---------------------------------------------------------------------------------------------
// Parse errors name the line

struct ErrorCase {
  const char* what;
  std::string text;
  int line;
  const char* code;
  const char* says;  // part of the message
};

class ParseErrors : public ::testing::TestWithParam<ErrorCase> {};

const std::string kHead = "# 测试\nrule X-1\n  name 测试\n  basis 测试依据\n  level red\n";
// Lines 1–5 are kHead; line 6 is the first line after it.

std::vector<ErrorCase> ErrorCases() {
  return {
      {"unknown keyword", kHead + "  target case\n  whn reason missing\nend\n", 7,
       "rules.unknown_keyword", "未知的关键字「whn」"},
      {"bad level", "rule X-1\n  name a\n  level orange\n", 3, "rules.value", "级别「orange」"},
      {"bad target", kHead + "  target person\n", 6, "rules.value", "目标「person」"},
      {"outside a rule", "\n\nname 测试\n", 3, "rules.syntax", "规则之外"},
      {"missing end", kHead + "  target case\n  on case.declined\n  message m\n", 2, "rules.syntax",
       "缺少 end"},
      {"rule inside a rule", kHead + "rule X-2\n", 6, "rules.syntax", "缺少 end"},
      {"missing message", kHead + "  target case\n  on case.declined\nend\n", 2, "rules.missing",
       "缺少 message"},
      {"on and at", kHead + "  target case\n  on case.declined\n  at promised deadline\n"
                            "  message m\nend\n",
       2, "rules.missing", "on（事件规则）或 at（时间规则）"},
      {"duplicate key", kHead + "  level yellow\n", 6, "rules.duplicate",
       "level 重复（第 5 行已有）"},
      {"duplicate id",
       kHead + "  target case\n  on case.declined\n  message m\nend\nrule X-1\n", 10,
       "rules.duplicate", "X-1 重复"},
      {"condition syntax",
       kHead + "  target case\n  on case.declined\n  when reason missing and\n  message m\nend\n",
       8, "rules.syntax", "却到了行末"},
      {"unclosed parenthesis",
       kHead + "  target case\n  on case.declined\n  when (reason missing\n  message m\nend\n", 8,
       "rules.syntax", "应为「)」"},
      {"unquoted text on the right",
       kHead + "  target case\n  on case.concluded\n  message m\n  when decision = refuse\nend\n",
       9, "rules.unknown_field", "未知字段「refuse」"},
      {"unknown field",
       kHead + "  target case\n  on case.declined\n  when reson missing\n  message m\nend\n", 8,
       "rules.unknown_field", "未知字段「reson」"},
      {"unknown case fact",
       kHead +
           "  target case\n  on case.declined\n  when case.colour = \"red\"\n  message m\nend\n",
       8, "rules.unknown_field", "办件事实"},
      {"unknown case event", kHead + "  target case\n  on case.declinde\n  message m\nend\n", 7,
       "rules.unknown_kind", "未知的办件事件「case.declinde」"},
      {"bad event kind", kHead + "  target case\n  on Declined\n", 7, "rules.value",
       "事件类型「Declined」"},
      {"bad anchor", kHead + "  target case\n  at promised deedline\n  message m\nend\n", 7,
       "rules.value", "之后应为 deadline"},
      {"step deadline on a case", kHead + "  target case\n  at step deadline\n  message m\nend\n",
       7, "rules.value", "环节时限"},
      {"before an instant",
       kHead + "  target case\n  at 2 days before acceptance\n  message m\nend\n", 7, "rules.value",
       "before 只能用于时限"},
      {"bad percent", kHead + "  target case\n  at 180% of promised limit\n  message m\nend\n", 7,
       "rules.value", "百分比"},
      {"count in a time rule",
       kHead + "  target case\n  at promised deadline\n  message m\n"
               "  when count(case.declined per case) > 1\nend\n",
       9, "rules.syntax", "count(...) 只能用于事件规则"},
      {"bad count scope",
       kHead + "  target case\n  on case.declined\n"
               "  when count(case.declined per region within 3 days) > 1\n  message m\nend\n",
       8, "rules.syntax", "per 之后应为"},
      {"count placeholder without a count",
       kHead + "  target case\n  on case.declined\n  message {count} 件\nend\n", 8, "rules.value",
       "{count}"},
      {"unclosed placeholder",
       kHead + "  target case\n  on case.declined\n  message {case_no\nend\n",
       8, "rules.syntax", "没有闭合"},
      {"unknown placeholder",
       kHead + "  target case\n  on case.declined\n  message {casenumber}\nend\n", 8,
       "rules.unknown_field", "未知字段「casenumber」"},
      {"event field in a time rule",
       kHead +
           "  target case\n  at promised deadline\n  when event.kind = \"x\"\n  message m\nend\n",
       8, "rules.syntax", "时间规则没有事件"},
      {"bad id", "rule X 1\n", 1, "rules.value", "规则编号「X 1」"},
      {"unterminated string",
       kHead + "  target case\n  on case.declined\n  when reason = \"abc\n  message m\nend\n", 8,
       "rules.syntax", "引号没有闭合"},
      {"bad enabled", kHead + "  enabled maybe\n", 6, "rules.value", "enabled 应为 yes 或 no"},
  };
}

TEST_P(ParseErrors, NameTheLine) {
  const ErrorCase& c = GetParam();
  auto set = ParseRules(c.text);
  ASSERT_FALSE(set.ok()) << c.what;
  EXPECT_EQ(set.error().category, ErrorCode::kInvalidArgument);
  EXPECT_EQ(set.error().code, c.code) << set.error().message;
  EXPECT_EQ(set.error().field, "line " + std::to_string(c.line)) << set.error().message;
  EXPECT_EQ(set.error().message.rfind("第 " + std::to_string(c.line) + " 行：", 0), 0u)
      << set.error().message;
  EXPECT_NE(set.error().message.find(c.says), std::string::npos) << set.error().message;
}

INSTANTIATE_TEST_SUITE_P(Rules, ParseErrors, ::testing::ValuesIn(ErrorCases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           std::string name;
                           for (char ch : std::string(info.param.what)) {
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return name;
                         });

TEST(ParseRules, DisabledRulesMayNameDataThatDoesNotExistYet) {
  std::string text = kHead +
                     "  target case\n  enabled no\n  on case.voided\n"
                     "  when voided_by missing\n  message {rule} {voided_by}\nend\n";
  auto set = ParseRules(text);
  ASSERT_TRUE(set.ok()) << set.error().message;
  // Enabling it is refused until the data exists.
  std::string enabled = text;
  enabled.replace(enabled.find("enabled no"), 10, "enabled yes");
  auto refused = ParseRules(enabled);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "rules.unknown_kind");
  EXPECT_EQ(refused.error().field, "line 8");
}

TEST(ParseRules, EmptyTextIsAnEmptySetAndKeysMayComeInAnyOrder) {
  auto empty = ParseRules("# nothing yet\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->rules().empty());
  EXPECT_EQ(empty->Serialize(), "# nothing yet\n");

  auto set = ParseRules(
      "rule R-9\r\n  message {rule}：{days}{unit} {{literal}}\r\n  at 2 working days before "
      "statutory deadline\r\n  target case\r\n  level yellow\r\n  basis b\r\n  name n\r\nend");
  ASSERT_TRUE(set.ok()) << set.error().message;
  const Rule& r = set->rules()[0];
  EXPECT_TRUE(r.is_time_rule());
  EXPECT_EQ(r.time()->kind, TimeSpec::Kind::kBefore);
  EXPECT_EQ(r.time()->clock, ClockId::kStatutory);
  EXPECT_EQ(r.time()->offset.amount, 2);
  EXPECT_EQ(r.time()->offset.unit, SpanUnit::kWorkingDays);
  EXPECT_TRUE(r.enabled());

  FieldMap facts{{"state", "in_progress"}};
  TimeFacts t;
  t.fields = &facts;
  t.Set(ClockId::kStatutory, ClockFacts{EndOf("2026-03-06"), 20, LimitUnit::kWorkingDays, false});
  auto v = EvaluateTime(r, t, Calendar2026(), EndOf("2026-03-06"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_EQ(v->message, "R-9：2个工作日 {literal}");
}

// ---------------------------------------------------------------------------------------------
// Conditions

TEST(Conditions, OperatorsAndTheirMissingValueSemantics) {
  struct Row {
    const char* when;
    bool fires;
  };
  // The event: amount_fen 1500, standard_fen 1000, fee_item 工本费, state concluded, empty note.
  const Row rows[] = {
      {"amount_fen > standard_fen", true},
      {"amount_fen >= 1500 and amount_fen <= 1500", true},
      {"amount_fen < 1000", false},
      {"amount_fen = 1500", true},
      {"amount_fen == \"1500\"", true},
      {"amount_fen != 1500", false},
      {"amount_fen <> 1000", true},
      {"fee_item = \"工本费\"", true},
      {"fee_item in (工本费, 加急费)", true},
      {"fee_item not in (工本费, 加急费)", false},
      {"state in (\"concluded\")", true},
      {"not state in (submitted)", true},
      {"standard_fen exists", true},
      {"note missing", true},   // empty counts as missing
      {"note exists", false},
      {"nothing missing", true},
      {"nothing != 1", false},  // a comparison with a missing value is false...
      {"not nothing = 1", true},  // ...so its negation holds
      {"nothing not in (a, b)", false},
      {"fee_item > 1", false},  // a text and a number are only unequal
      {"fee_item != 1", true},
      {"state > \"a\"", true},  // two texts compare byte by byte
      {"(amount_fen < 1 or amount_fen > 2) and not (fee_item = \"加急费\")", true},
      {"case.state = \"concluded\" and case.fee_due_fen = 1000", true},
      {"event.at >= case.accepted_at_ms", true},
      {"event.kind = \"test.fee\"", true},
      {"hours_since(case.concluded_at_ms) = 24", true},
      {"days_since(case.concluded_at_ms) = 1", true},
      {"working_days_since(case.concluded_at_ms) = 1", true},
  };
  Story s;
  s.Submit(At("2026-03-02", 9)).Accept(At("2026-03-02"));
  s.Complete("review", At("2026-03-03")).Complete("approve", At("2026-03-04"));
  s.Conclude(cases::Decision::kGrant, At("2026-03-05"));
  s.Do({.kind = cases::ActionKind::kCollectFee, .fee_item = "工本费", .amount_fen = 1500},
       At("2026-03-06"));
  s.data()["note"] = "";
  // A kind outside case.* so that fields the case events lack (note, nothing) may be read.
  FieldMap facts = CaseFacts(s.kase());
  MapView fields(s.data());
  Event e{"test.fee", At("2026-03-06"), fields};
  for (const auto& row : rows) {
    SCOPED_TRACE(row.when);
    auto set = ParseRules(EventRule("test.fee", row.when));
    ASSERT_TRUE(set.ok()) << set.error().message;
    auto v = EvaluateEvent(set->rules()[0], e, facts, nullptr, &Calendar2026());
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->fires, row.fires) << v->explanation;
  }
}

TEST(Conditions, ANonMatchingKindCostsNoLookupAndNoCount) {
  const Rule& rule = BuiltinRule("ES-01");
  NoCountsExpected counts;
  FieldMap facts;
  NoFields none;
  auto v = EvaluateEvent(rule, Event{"case.accepted", At("2026-03-02"), none}, facts, &counts);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->fires);
  EXPECT_TRUE(v->explanation.empty());
  // A short-circuited count is not asked for either.
  Rule r = ParseOne(EventRule("case.declined",
                              "reason exists or count(case.declined per case) > 1"));
  std::map<std::string, std::string> data{{"reason", "x"}};
  MapView fields(data);
  v = EvaluateEvent(r, Event{"case.declined", At("2026-03-02"), fields}, facts, &counts);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  // Without a count source, a count that is reached is an error.
  data.clear();
  v = EvaluateEvent(r, Event{"case.declined", At("2026-03-02"), fields}, facts);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "rules.needs_counts");
}

TEST(Conditions, ComplaintAndOrderFieldsAreNotCheckedYet) {
  auto set = ParseRules(
      "rule C-1\n name n\n basis b\n level red\n target complaint\n on complaint.reopened\n"
      " when count(complaint.reopened per department within 5 working days) >= 3 and "
      "complainant_named = true\n message {rule} {count} {complaint_no}\nend\n");
  ASSERT_TRUE(set.ok()) << set.error().message;
  const Rule& r = set->rules()[0];
  ASSERT_EQ(r.counts().size(), 1u);
  EXPECT_EQ(r.counts()[0].text, "count(complaint.reopened per department within 5 working days)");
  std::map<std::string, std::string> data{{"complainant_named", "true"},
                                          {"complaint_no", "TS-7"}};
  MapView fields(data);
  FixedCounts three(3);
  NoFields none;
  auto v = EvaluateEvent(r, Event{"complaint.reopened", At("2026-03-02"), fields}, none, &three);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fires);
  EXPECT_EQ(v->message, "C-1 3 TS-7");
}

// ---------------------------------------------------------------------------------------------
// Windows and keys

TEST(Windows, StartOfAWindowInWorkingDaysSkipsTheHoliday) {
  auto w = WindowStart({5, SpanUnit::kWorkingDays}, At("2026-02-26", 15), Calendar2026());
  ASSERT_TRUE(w.ok());
  // Five working days back from Thursday 26 February: 25, 24, 14 (make-up), 13, 12; the same
  // time of day.
  EXPECT_EQ(*w, At("2026-02-12", 15));
  EXPECT_EQ(*WindowStart({30, SpanUnit::kDays}, At("2026-03-31", 8), Calendar2026()),
            At("2026-03-01", 8));
  EXPECT_EQ(*WindowStart({6, SpanUnit::kHours}, At("2026-03-31", 8), Calendar2026()),
            At("2026-03-31", 2));
}

TEST(Keys, OnePerRuleItemAndMoment) {
  const Rule& rule = BuiltinRule("ES-02");
  AlertKey a = MakeAlertKey(rule, "case:42", EndOf("2026-03-09"));
  AlertKey b = MakeAlertKey(rule, "case:42", EndOf("2026-03-09"));
  AlertKey c = MakeAlertKey(rule, "case:42", EndOf("2026-03-10"));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a.ToString(), "ES-02|case:42|" + std::to_string(ToUnixMillis(EndOf("2026-03-09"))));
}

TEST(Facts, CaseFactsLeaveOutWhatIsAbsentAndHidePausedDeadlines) {
  Story s;
  s.Submit(At("2026-03-02", 9));
  FieldMap f = CaseFacts(s.kase());
  EXPECT_EQ(f.Find("state"), "submitted");
  EXPECT_FALSE(f.Find("accepted_at_ms").has_value());
  EXPECT_FALSE(f.Find("promised_deadline_ms").has_value());
  s.Accept(At("2026-03-02"));
  f = CaseFacts(s.kase());
  EXPECT_EQ(f.Find("promised_deadline_ms"),
            std::to_string(ToUnixMillis(s.kase().promised->deadline)));
  EXPECT_EQ(f.Find("promised_limit"), "5");
  EXPECT_EQ(f.Find("active_steps"), "review");
  s.Do({.kind = cases::ActionKind::kRequestCorrection, .items = {"a"}}, At("2026-03-03"));
  f = CaseFacts(s.kase());
  EXPECT_FALSE(f.Find("promised_deadline_ms").has_value());
  EXPECT_EQ(f.Find("promised_paused"), "true");
  EXPECT_EQ(f.Find("corrections"), "1");
}

}  // namespace
}  // namespace xn::supervision
