#include "store/supervision/replay.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include <unistd.h>

#include "domain/cases/legal_clock.h"
#include "store/calendar/calendar_files.h"
#include "store/catalog/catalog_store.h"

namespace xn::store {
namespace {

namespace fs = std::filesystem;
namespace sv = supervision;
using calendar::Date;

const calendar::Calendar& Cal() {
  static const calendar::Calendar kCal = [] {
    auto years = calendar::LoadCalendarDir(std::string(XN_TEST_DATA_DIR) + "/data/calendar");
    EXPECT_TRUE(years.ok());
    auto cal = calendar::Calendar::Build(std::move(*years), {}, {.allow_provisional = true});
    EXPECT_TRUE(cal.ok());
    return std::move(*cal);
  }();
  return kCal;
}

// 2026-MM-DD HH:MM, Asia/Shanghai.
Instant At(unsigned month, unsigned day, int hour = 10, int minute = 0) {
  return calendar::ShanghaiStartOfDay(Date::FromYmd(2026, month, day)) +
         std::chrono::hours(hour) + std::chrono::minutes(minute);
}
int64_t Ms(Instant t) { return ToUnixMillis(t); }
// The end (24:00) of 2026-MM-DD.
Instant EndOf(unsigned month, unsigned day) {
  return cases::EndOfDay(Date::FromYmd(2026, month, day));
}

const ReplayReport::RuleCount* ByRule(const ReplayReport& r, std::string_view id) {
  for (const auto& x : r.by_rule) {
    if (x.rule_id == id) return &x;
  }
  return nullptr;
}
int64_t CountOf(const ReplayReport& r, std::string_view id) {
  const auto* x = ByRule(r, id);
  return x ? x->count : -1;
}
int64_t DepartmentCount(const ReplayReport& r, int64_t department) {
  for (const auto& x : r.by_department) {
    if (x.department_id == department) return x.count;
  }
  return 0;
}
int64_t PairCount(const ReplayReport& r, std::string_view rule, int64_t department) {
  for (const auto& x : r.by_rule_department) {
    if (x.rule_id == rule && x.department_id == department) return x.count;
  }
  return 0;
}

sv::RuleSet Rules(const std::string& text) {
  auto parsed = sv::ParseRules(text);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return std::move(*parsed);
}

// One rule in the file format, with a throwaway name, basis and message.
std::string Rule(const std::string& id, const std::string& body,
                 const std::string& target = "case") {
  return "rule " + id + "\n  name 测试规则" + id + "\n  basis 测试依据\n  level yellow\n  target " +
         target + "\n" + body + "\n  message {rule} {name}\nend\n";
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("xn_replay_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db::Database::Options o;
    o.path = (dir_ / "replay.db").string();
    auto db = db::Database::Open(o, db::BuiltinMigrations());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    Status s = db_->WriteErased([](db::WriteTx& tx) {
      return tx.conn().Exec(
          "INSERT INTO regions(code, name, level) VALUES ('350582', '晋江市', 'county');"
          "INSERT INTO departments(id, code, name, region_code, created_at_ms) VALUES "
          "(1, 'd-one', '一号局', '350582', 0), (2, 'd-two', '二号局', '350582', 0);");
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  // Appends one event of case ID, as the case store writes it.
  void Event(int64_t id, const std::string& kind, Instant at, const std::string& data) {
    auto seq = db_->Write<int64_t>([&](db::WriteTx& tx) {
      return tx.AppendEvent({Ms(at), "test", kind, "case:" + std::to_string(id), data});
    });
    ASSERT_TRUE(seq.ok()) << seq.error().message;
  }
  void Submit(int64_t id, int64_t department, Instant at, int64_t matter_version = 0) {
    Event(id, "case.submitted", at,
          R"({"case_no":"C-)" + std::to_string(id) +
              R"(","matter_code":"M-1","matter_version_id":)" + std::to_string(matter_version) +
              R"(,"department_id":)" +
              std::to_string(department) +
              R"(,"channel":"window","service_mode":"standard","state":"submitted"})");
  }
  void Accept(int64_t id, Instant at, Instant promised, Instant statutory) {
    Event(id, "case.accepted", at,
          R"({"statutory_deadline_ms":")" + std::to_string(Ms(statutory)) +
              R"(","promised_deadline_ms":")" + std::to_string(Ms(promised)) +
              R"(","state":"in_progress"})");
  }

  int64_t Scalar(const std::string& sql) {
    auto n = db_->Read<int64_t>([&](db::Connection& c) -> Result<int64_t> {
      auto st = c.Prepare(sql);
      if (!st.ok()) return st.error();
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      int64_t v = (*st)->Int64(0);
      (*st)->Reset();
      return v;
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  ReplayReport Run(const sv::RuleSet& rules, Instant from, Instant to, ReplayOptions o = {}) {
    auto r = Replay(*db_, rules, Cal(), from, to, o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : ReplayReport{};
  }

  fs::path dir_;
  std::unique_ptr<db::Database> db_;
};

// A history with a hand count: fees above their standard, declines per department in a 3-day
// window, and a condition on the case's facts (accepted before the correction request).
TEST_F(ReplayTest, EventRulesMatchAHandCount) {
  const sv::RuleSet rules = Rules(
      Rule("T-FEE", "  on case.fee_collected\n  when amount_fen > standard_fen") +
      Rule("T-DECL",
           "  on case.declined\n  when count(case.declined per department within 3 days) >= 2") +
      Rule("T-FACT",
           "  on case.correction_requested\n  when case.accepted_at_ms exists and "
           "case.department_id = 1 and case.state = \"correction_pending\""));
  const std::string fee_over =
      R"({"fee_item":"工本费","amount_fen":"1500","in_list":"true",)"
      R"("within_standard":"false","standard_fen":"1000","state":"concluded"})";
  const std::string fee_ok =
      R"({"fee_item":"工本费","amount_fen":"800","in_list":"true",)"
      R"("within_standard":"true","standard_fen":"1000","state":"concluded"})";

  // Case 2 (department 2): a fee above the standard before the window: not counted.
  Submit(2, 2, At(2, 20));
  Event(2, "case.fee_collected", At(2, 27), fee_over);
  // Case 1 (department 1): accepted, a correction request (T-FACT), two fees above the standard
  // recorded in the same millisecond (one alert: same rule, item and moment), one within it, a
  // later one above it (T-FEE again).
  Submit(1, 1, At(3, 2, 9));
  Accept(1, At(3, 2, 10), EndOf(3, 20), EndOf(3, 30));
  Event(1, "case.correction_requested", At(3, 3),
        R"({"items":"身份证明\n营业执照","round":"1","state":"correction_pending"})");
  Event(1, "case.resubmitted", At(3, 4), R"({"state":"in_progress"})");
  Event(1, "case.fee_collected", At(3, 5), fee_over);
  Event(1, "case.fee_collected", At(3, 5), fee_over);
  Event(1, "case.fee_collected", At(3, 6), fee_ok);
  Event(1, "case.fee_collected", At(3, 9), fee_over);
  // Case 7 (department 1): a correction request before acceptance: T-FACT does not hold.
  Submit(7, 1, At(3, 2));
  Event(7, "case.correction_requested", At(3, 3),
        R"({"items":"申请书","round":"1","state":"correction_pending"})");
  // Declines in department 1 on 3 March (1st), 4 March (2nd within 3 days: fires) and 9 March
  // (alone in its window); one in department 2 on 4 March (its first).
  for (int64_t id : {3, 4, 5}) Submit(id, 1, At(3, 1));
  Submit(6, 2, At(3, 1));
  Event(3, "case.declined", At(3, 3), R"({"reason":"不符合条件","state":"declined"})");
  Event(4, "case.declined", At(3, 4), R"({"reason":"不符合条件","state":"declined"})");
  Event(6, "case.declined", At(3, 4), R"({"reason":"不符合条件","state":"declined"})");
  Event(5, "case.declined", At(3, 9), R"({"reason":"不符合条件","state":"declined"})");

  const ReplayReport r = Run(rules, At(3, 1, 0), At(4, 1, 0));
  EXPECT_EQ(CountOf(r, "T-FEE"), 2);
  EXPECT_EQ(CountOf(r, "T-DECL"), 1);
  EXPECT_EQ(CountOf(r, "T-FACT"), 1);
  EXPECT_EQ(r.alerts, 4);
  EXPECT_EQ(DepartmentCount(r, 1), 4);
  EXPECT_EQ(DepartmentCount(r, 2), 0);
  ASSERT_EQ(r.by_department.size(), 1u);
  EXPECT_EQ(r.by_department[0].department_name, "一号局");
  EXPECT_EQ(PairCount(r, "T-FEE", 1), 2);
  EXPECT_EQ(PairCount(r, "T-DECL", 1), 1);
  EXPECT_EQ(PairCount(r, "T-FACT", 1), 1);
  EXPECT_EQ(r.cases, 7);
  EXPECT_EQ(r.events_scanned, Scalar("SELECT COUNT(*) FROM events"));
  EXPECT_EQ(r.events_in_window, r.events_scanned - 2);  // case 2's two events are in February
  EXPECT_EQ(r.head_seq, Scalar("SELECT MAX(seq) FROM events"));
  EXPECT_EQ(r.evaluation_errors, 0);
  EXPECT_TRUE(r.not_replayed.empty());

  // The same with tiny chunks: the result does not depend on how the history is read.
  const ReplayReport small = Run(rules, At(3, 1, 0), At(4, 1, 0), {.chunk_events = 2});
  EXPECT_EQ(small.alerts, r.alerts);
  EXPECT_EQ(small.events_scanned, r.events_scanned);

  // With the whole history, case 2's fee counts too, in department 2.
  const ReplayReport all = Run(rules, At(1, 1, 0), At(12, 31, 0));
  EXPECT_EQ(CountOf(all, "T-FEE"), 3);
  EXPECT_EQ(PairCount(all, "T-FEE", 2), 1);
  ASSERT_EQ(all.by_department.size(), 2u);
  EXPECT_EQ(all.by_department[0].department_id, 1);  // most alerts first
  EXPECT_EQ(all.by_department[1].department_name, "二号局");
}

// A history longer than the reader's batches and chunks streams through them in order.
TEST_F(ReplayTest, LongHistoryStreamsInOrder) {
  const sv::RuleSet rules = Rules(
      Rule("T-FEE", "  on case.fee_collected\n  when amount_fen > standard_fen") +
      Rule("T-THIRD", "  on case.fee_collected\n  when count(case.fee_collected per department "
                      "within 2 hours) >= 3"));
  constexpr int kCases = 15000;
  int64_t over = 0, third = 0;
  std::map<int64_t, std::vector<int64_t>> fees;  // department → fee times, for the hand count
  Status s = db_->WriteErased([&](db::WriteTx& tx) -> Status {
    for (int id = 1; id <= kCases; ++id) {
      const int64_t department = 1 + id % 2;
      const Instant at = At(3, 1) + std::chrono::minutes(id);
      auto e = tx.AppendEvent({Ms(at), "test", "case.submitted", "case:" + std::to_string(id),
                               R"({"department_id":)" + std::to_string(department) + "}"});
      if (!e.ok()) return e.error();
      const bool above = id % 7 == 0;
      over += above;
      const Instant paid = at + std::chrono::seconds(30);
      auto& times = fees[department];
      times.push_back(Ms(paid));
      int64_t in_window = 0;
      for (int64_t t : times) in_window += t >= Ms(paid - std::chrono::hours(2));
      third += in_window >= 3;
      e = tx.AppendEvent({Ms(paid), "test", "case.fee_collected", "case:" + std::to_string(id),
                          std::string(R"({"amount_fen":")") + (above ? "1500" : "900") +
                              R"(","standard_fen":"1000","state":"concluded"})"});
      if (!e.ok()) return e.error();
    }
    return Ok();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (int chunk : {7, 50000}) {
    const ReplayReport r = Run(rules, At(1, 1, 0), At(12, 31, 0), {.chunk_events = chunk});
    EXPECT_EQ(r.events_scanned, 2 * kCases);
    EXPECT_EQ(CountOf(r, "T-FEE"), over);
    EXPECT_EQ(CountOf(r, "T-THIRD"), third);
    EXPECT_EQ(r.cases, kCases);
  }
}

// [from, to): an event at `from` is in, one at `to` is out; earlier events still feed counts.
TEST_F(ReplayTest, WindowIncludesFromAndExcludesTo) {
  const sv::RuleSet rules = Rules(
      Rule("T-DECL", "  on case.declined") +
      Rule("T-SECOND", "  on case.declined\n  when count(case.declined per department) >= 2"));
  for (int64_t id : {1, 2, 3}) Submit(id, 1, At(3, 1));
  Event(1, "case.declined", At(3, 2), R"({"reason":"x","state":"declined"})");
  Event(2, "case.declined", At(3, 3), R"({"reason":"x","state":"declined"})");
  Event(3, "case.declined", At(3, 4), R"({"reason":"x","state":"declined"})");

  const ReplayReport r = Run(rules, At(3, 3), At(3, 4));
  EXPECT_EQ(CountOf(r, "T-DECL"), 1);    // 3 March only
  EXPECT_EQ(CountOf(r, "T-SECOND"), 1);  // the 2 March decline is counted, not evaluated
  EXPECT_EQ(r.events_in_window, 1);

  const ReplayReport later = Run(rules, At(3, 3), At(3, 4) + std::chrono::milliseconds(1));
  EXPECT_EQ(CountOf(later, "T-DECL"), 2);
  EXPECT_EQ(CountOf(later, "T-SECOND"), 2);

  const ReplayReport empty = Run(rules, At(3, 3), At(3, 3));
  EXPECT_EQ(empty.alerts, 0);
  EXPECT_FALSE(Replay(*db_, rules, Cal(), At(3, 4), At(3, 3)).ok());
}

constexpr const char* kGranted = R"({"decision":"grant","fee_due_fen":"0","state":"concluded"})";

// A time rule at the promised deadline, while the case is in progress.
TEST_F(ReplayTest, TimeRuleMomentsInTheWindowFire) {
  const sv::RuleSet rules = Rules(Rule(
      "T-LATE", "  at promised deadline\n  when state in (in_progress, awaiting_decision)"));
  // A: its deadline (10 March) falls in the window, nothing happens after: fires at the end.
  Submit(1, 1, At(3, 2, 9));
  Accept(1, At(3, 2), EndOf(3, 10), EndOf(3, 30));
  // B: its deadline (20 April) is after `to`: does not fire.
  Submit(2, 1, At(3, 2, 9));
  Accept(2, At(3, 2), EndOf(4, 20), EndOf(4, 30));
  // C: concluded before its deadline (12 March): does not fire.
  Submit(3, 2, At(3, 2, 9));
  Accept(3, At(3, 2), EndOf(3, 12), EndOf(3, 30));
  Event(3, "case.concluded", At(3, 11), kGranted);
  // D: concluded after its deadline (11 March): fires, once, although two events follow it.
  Submit(4, 2, At(3, 2, 9));
  Accept(4, At(3, 2), EndOf(3, 11), EndOf(3, 30));
  Event(4, "case.step_completed", At(3, 13), R"({"step_id":"review","state":"in_progress"})");
  Event(4, "case.step_completed", At(3, 14),
        R"({"step_id":"approve","state":"awaiting_decision"})");
  Event(4, "case.concluded", At(3, 16), kGranted);
  // E: paused by a correction request before its deadline (10 March) and resumed with a new one
  // (25 March): fires once, at the new deadline.
  Submit(5, 1, At(3, 2, 9));
  Accept(5, At(3, 2), EndOf(3, 10), EndOf(3, 30));
  Event(5, "case.correction_requested", At(3, 5),
        R"({"items":"x","round":"1","state":"correction_pending"})");
  Event(5, "case.resubmitted", At(3, 18),
        R"({"statutory_deadline_ms":")" + std::to_string(Ms(EndOf(4, 8))) +
            R"(","promised_deadline_ms":")" + std::to_string(Ms(EndOf(3, 25))) +
            R"(","state":"in_progress"})");
  // F: its deadline (28 March) is in the window but after `now`: not due yet.
  Submit(6, 1, At(3, 2, 9));
  Accept(6, At(3, 2), EndOf(3, 28), EndOf(3, 30));

  ReplayOptions o;
  o.now = At(3, 27);
  const ReplayReport r = Run(rules, At(3, 1, 0), At(4, 1, 0), o);
  EXPECT_EQ(CountOf(r, "T-LATE"), 3);  // A, D, E
  EXPECT_EQ(PairCount(r, "T-LATE", 1), 2);
  EXPECT_EQ(PairCount(r, "T-LATE", 2), 1);
  EXPECT_EQ(r.not_yet_due, 1);  // F

  // A window that ends before E's new deadline: A and D only.
  const ReplayReport early = Run(rules, At(3, 1, 0), At(3, 20, 0), o);
  EXPECT_EQ(CountOf(early, "T-LATE"), 2);
  EXPECT_EQ(early.not_yet_due, 0);
  // A window that starts after D's deadline (12 March 00:00): E, and F with no `now`.
  const ReplayReport late = Run(rules, At(3, 12, 0) + std::chrono::milliseconds(1), At(4, 1, 0));
  EXPECT_EQ(CountOf(late, "T-LATE"), 2);
  EXPECT_EQ(late.not_yet_due, 0);
}

// A special procedure pauses the clocks; its end carries no deadline, so the new one is
// recomputed from the matter's limit, as the case's clock does it.
TEST_F(ReplayTest, SpecialProcedureResumesTheClockFromTheMatterLimit) {
  CatalogStore catalog(*db_);
  catalog::MatterDef def;
  def.code = "M-1";
  def.name = "测试事项";
  def.legal_basis = "测试依据";
  def.department_id = 1;
  def.statutory = {20, catalog::LimitUnit::kWorkingDays, ""};
  def.promised = {5, catalog::LimitUnit::kWorkingDays, ""};
  auto matter = catalog.Create(def, "", Actor{"test", At(1, 5)});
  ASSERT_TRUE(matter.ok()) << matter.error().message;
  auto versions = catalog.Versions(matter->id);
  ASSERT_TRUE(versions.ok() && !versions->empty());
  const int64_t version = versions->front().id;

  const sv::RuleSet rules = Rules(
      Rule("T-LATE", "  at promised deadline\n  when state in (in_progress, awaiting_decision)") +
      Rule("T-PAUSED", "  on case.special_procedure_started\n  when case.promised_deadline_ms "
                       "missing and case.promised_paused = true and case.promised_limit = 5 and "
                       "case.matter_name = \"测试事项\""));
  // Accepted Monday 2 March: 5 working days, deadline Monday 9 March 24:00 (as the event says).
  auto started = cases::StartClock(Cal(), def.promised, At(3, 2));
  ASSERT_TRUE(started.ok());
  ASSERT_EQ(started->deadline, EndOf(3, 9));
  Submit(1, 1, At(3, 2, 9), version);
  Accept(1, At(3, 2), EndOf(3, 9), EndOf(3, 30));
  // Paused Wednesday 4 March with 3 working days left (5, 6 and 9 March); resumed Monday 16
  // March: the deadline becomes Thursday 19 March 24:00.
  Event(1, "case.special_procedure_started", At(3, 4),
        R"({"reason":"听证","basis":"第四十七条","notice":"已书面告知","state":"special_procedure"})");
  Event(1, "case.special_procedure_ended", At(3, 16), R"({"result":"听证结束","state":"in_progress"})");

  const ReplayReport before = Run(rules, At(3, 1, 0), EndOf(3, 19));
  EXPECT_EQ(CountOf(before, "T-LATE"), 0);  // not 9 March: the clock was paused then
  EXPECT_EQ(CountOf(before, "T-PAUSED"), 1);
  const ReplayReport after = Run(rules, At(3, 1, 0), EndOf(3, 19) + std::chrono::milliseconds(1));
  EXPECT_EQ(CountOf(after, "T-LATE"), 1);
}

// Rules whose facts are not in the events are listed, not guessed.
TEST_F(ReplayTest, RulesThatCannotBeReplayedAreListed) {
  const sv::RuleSet rules = Rules(
      Rule("T-STEP", "  at step deadline\n  when case.state = \"in_progress\"", "step") +
      Rule("T-ACTIVE", "  on case.step_completed\n  when case.active_steps missing") +
      Rule("T-OK", "  on case.step_completed") +
      "rule T-OFF\n  name 停用\n  basis 测试\n  level red\n  target case\n  enabled no\n"
      "  on case.declined\n  message {rule}\nend\n");
  Submit(1, 1, At(3, 2));
  Event(1, "case.step_completed", At(3, 3), R"({"step_id":"review","state":"in_progress"})");
  const ReplayReport r = Run(rules, At(3, 1, 0), At(4, 1, 0));
  ASSERT_EQ(r.not_replayed.size(), 2u);
  EXPECT_EQ(r.not_replayed[0].rule_id, "T-STEP");
  EXPECT_EQ(r.not_replayed[1].rule_id, "T-ACTIVE");
  EXPECT_FALSE(r.not_replayed[0].reason.empty());
  ASSERT_EQ(r.by_rule.size(), 1u);  // replayed and enabled only
  EXPECT_EQ(CountOf(r, "T-OK"), 1);
}

// Replay reads: the events, the alerts and the rule sets are as they were.
TEST_F(ReplayTest, WritesNothing) {
  const sv::RuleSet rules = Rules(
      Rule("T-DECL", "  on case.declined") +
      Rule("T-LATE", "  at promised deadline\n  when state in (in_progress, awaiting_decision)"));
  Submit(1, 1, At(3, 2, 9));
  Accept(1, At(3, 2), EndOf(3, 10), EndOf(3, 30));
  Submit(2, 1, At(3, 2, 9));
  Event(2, "case.declined", At(3, 3), R"({"reason":"x","state":"declined"})");
  const int64_t events = Scalar("SELECT COUNT(*) FROM events");
  const int64_t head = Scalar("SELECT MAX(seq) FROM events");
  const int64_t alerts = Scalar("SELECT COUNT(*) FROM alerts");
  const int64_t rule_sets = Scalar("SELECT COUNT(*) FROM rule_sets");
  const int64_t changes = Scalar("PRAGMA data_version");

  const ReplayReport r = Run(rules, At(3, 1, 0), At(4, 1, 0));
  EXPECT_EQ(r.alerts, 2);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(Scalar("SELECT MAX(seq) FROM events"), head);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM alerts"), alerts);
  EXPECT_EQ(alerts, 0);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM rule_sets"), rule_sets);
  EXPECT_EQ(Scalar("PRAGMA data_version"), changes);
  auto verified = db_->VerifyEvents();
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->first_bad_seq.has_value());
}

// Event data the stores do not write (escapes, nested values, numbers as JSON numbers, invalid
// text) reads as the live engine reads it.
TEST_F(ReplayTest, EventDataReadsAsTheLiveEngineReadsIt) {
  const sv::RuleSet rules = Rules(
      Rule("T-NUM", "  on case.fee_collected\n  when amount_fen > 1000") +
      Rule("T-TEXT", "  on case.declined\n  when reason = \"第一行\"") +
      Rule("T-NONE", "  on case.withdrawn\n  when reason missing"));
  Submit(1, 1, At(3, 2));
  Event(1, "case.fee_collected", At(3, 3), R"({"amount_fen":1500,"standard_fen":1000})");
  Event(1, "case.fee_collected", At(3, 4), R"({ "amount_fen" : 2500.0 , "nested": {"a": 1} })");
  Event(1, "case.fee_collected", At(3, 5), R"({"amount_fen":"1200","amount_fen":"900"})");
  Submit(2, 1, At(3, 2));
  Event(2, "case.declined", At(3, 3), R"({"reason":"\u7b2c\u4e00\u884c","state":"declined"})");
  Submit(3, 1, At(3, 2));
  Event(3, "case.withdrawn", At(3, 3), R"({"reason":"撤回", broken)");
  const ReplayReport r = Run(rules, At(3, 1, 0), At(4, 1, 0));
  // 1500 is a number; 2500.0 is written "2.5E3" by the live engine, a text, not > 1000; the
  // repeated name keeps its last value, 900.
  EXPECT_EQ(CountOf(r, "T-NUM"), 1);
  EXPECT_EQ(CountOf(r, "T-TEXT"), 1);  // the escapes decoded
  EXPECT_EQ(CountOf(r, "T-NONE"), 1);  // unreadable data: no fields
}

}  // namespace
}  // namespace xn::store
