#include "app/demo_projects.h"

#include <algorithm>
#include <map>

#include "domain/cases/fixed_flow.h"
#include "store/appointments/appointment_store.h"
#include "store/cases/case_store.h"
#include "store/key_projects/key_project_store.h"

namespace xn::app {
namespace {

using cases::ActionKind;

// A valid unified social credit code built from a number (GB 32100 check character).
std::string CreditCode(int n) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  char base[18];
  std::snprintf(base, sizeof base, "91350582MA%07d", n % 10000000);
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(kChars.find(base[i])) * kWeights[i];
  return std::string(base, 17) + kChars[(31 - sum % 31) % 31];
}

struct Step {
  int hours_after_previous;
  cases::Action action;
  const char* who;  // "clerk", "handler" or "head": of the case's department
};

// One approval of the project: its matter, when it was applied for, and what has happened since.
struct Approval {
  const char* matter_code;
  int submitted_hours_ago;
  std::vector<Step> steps;
};

// The windows with appointment slots, and the times of day they open (Asia/Shanghai).
const char* kSlotWindows[] = {"xzfw", "scjg", "zrzy", "zjj"};
struct SlotTime {
  int hour, minute;
};
const SlotTime kSlotTimes[] = {{9, 0}, {10, 0}, {11, 0}, {14, 30}, {15, 30}, {16, 30}};
constexpr int kSlotMinutes = 60;
constexpr int kSlotCapacity = 3;
constexpr int kSlotDays = 10;

}  // namespace

Status SeedDemoProjects(db::Database& db, store::IdentityStore& identity,
                        store::CatalogStore& catalog, const calendar::Calendar& cal, Instant now) {
  auto users = identity.ListUsers();
  if (!users.ok()) return users.error();
  std::map<std::string, identity::Principal> staff;
  for (const auto& u : *users) {
    identity::Principal p;
    p.user_id = u.id;
    p.username = u.username;
    p.department_id = u.department_id;
    p.department_code = u.department_code;
    p.section_id = u.section_id;
    p.region_code = u.region_code;
    identity::ApplyRoles(p, u.roles);
    staff[u.username] = p;
  }
  if (!staff.count("agent") || !staff.count("applicant")) {
    return MakeError(ErrorCode::kFailedPrecondition, "demo.missing_users", "demo city not seeded");
  }
  auto departments = identity.ListDepartments();
  if (!departments.ok()) return departments.error();
  std::map<int64_t, std::string> key_of_department;
  for (const auto& d : *departments) {
    if (d.code.rfind("350582-", 0) == 0) key_of_department[d.id] = d.code.substr(7);
  }
  auto windows = identity.ListWindows();
  if (!windows.ok()) return windows.error();

  const std::string enterprise = "晋江市恒达鞋业有限公司";
  const std::string enterprise_code = CreditCode(8001);
  const auto hours = [](int h) { return std::chrono::hours(h); };
  const std::vector<Approval> approvals = {
      // Filed and delivered.
      {"350582-FGJ-001", 24 * 30,
       {{2, {.kind = ActionKind::kAccept}, "clerk"},
        {5, {.kind = ActionKind::kCompleteStep, .step_id = "review", .opinion = "符合产业政策"}, "handler"},
        {2, {.kind = ActionKind::kCompleteStep, .step_id = "approve", .opinion = "同意备案"}, "head"},
        {1, {.kind = ActionKind::kConclude, .decision = cases::Decision::kGrant}, "head"},
        {20, {.kind = ActionKind::kDeliver, .reason = "代办员窗口领取"}, "clerk"}}},
      // Accepted weeks ago, reviewed, and still waiting for approval: overdue.
      {"350582-ZRZY-001", 24 * 27,
       {{3, {.kind = ActionKind::kAccept}, "clerk"},
        {24 * 3, {.kind = ActionKind::kCompleteStep, .step_id = "review",
                  .opinion = "用地红线与控规一致"}, "handler"}}},
      // Waiting for the applicant's corrections.
      {"350582-ZRZY-002", 24 * 6,
       {{2, {.kind = ActionKind::kAccept}, "clerk"},
        {22, {.kind = ActionKind::kRequestCorrection,
              .items = {"建设工程设计方案总平面图（须加盖设计单位出图章）", "土地权属证明（不动产权证书）"}},
         "handler"}}},
      // In a special procedure: expert review of the environmental impact report.
      {"350582-STHJ-001", 24 * 12,
       {{2, {.kind = ActionKind::kAccept}, "clerk"},
        {24, {.kind = ActionKind::kStartSpecialProcedure, .reason = "专家评审", .days = 10,
              .basis = "《中华人民共和国环境影响评价法》第二十二条",
              .notice = "已书面告知申请人：环境影响报告表专家技术评审约需10个工作日，不计入审批时限"},
         "handler"}}},
      // Just applied for: waiting for the window to accept it.
      {"350582-ZJJ-001", 5, {}},
  };

  // Resolve everything that can fail outside the transaction.
  struct Ready {
    cases::Case c;
    store::MatterVersion version;
    std::string key;
  };
  std::vector<Ready> ready;
  for (const auto& a : approvals) {
    auto v = catalog.PublishedByCode(a.matter_code);
    if (!v.ok()) return v.error();
    Ready r{.version = *v, .key = key_of_department[v->def.department_id]};
    cases::Case& c = r.c;
    c.matter_version_id = v->id;
    c.matter_code = v->def.code;
    c.matter_name = v->def.name;
    c.department_id = v->def.department_id;
    c.department_code = "350582-" + r.key;
    c.channel = cases::Channel::kProxy;
    c.service_mode = "accompanied";
    c.applicant_kind = "enterprise";
    c.applicant_code = enterprise_code;
    c.applicant_name = enterprise;
    c.contact_phone = "13905958001";
    c.applicant_user_id = staff.at("applicant").user_id;
    c.agent_user_id = staff.at("agent").user_id;
    ready.push_back(std::move(r));
  }
  const cases::FixedFlow flow(cases::DefaultFlow());
  const store::Actor demo{"demo", now - hours(24 * 35)};

  return db.WriteErased([&](db::WriteTx& tx) -> Status {
    store::KeyProject kp;
    kp.code = "2024-350582-19-03-000123";
    kp.name = "晋江市恒达鞋业年产500万双运动鞋智能制造项目";
    kp.enterprise_code = enterprise_code;
    kp.enterprise_name = enterprise;
    kp.investment_fen = int64_t{32'000'000'000};  // 3.2 亿元
    kp.agent_user_id = staff.at("agent").user_id;
    auto project = store::KeyProjectStore::CreateIn(tx, kp, demo);
    if (!project.ok()) return project.error();

    const store::Actor agent{"user:" + std::to_string(staff.at("agent").user_id), now};
    for (size_t i = 0; i < approvals.size(); ++i) {
      Ready& r = ready[i];
      r.c.key_project_id = *project;
      Instant t = now - hours(approvals[i].submitted_hours_ago);
      char code[16];
      std::snprintf(code, sizeof code, "%06d", 731000 + static_cast<int>(i) * 17);
      auto stored = store::CaseStore::CreateIn(tx, r.c, code, {agent.id, t});
      if (!stored.ok()) return stored.error();
      cases::Case c = std::move(*stored);
      for (const auto& step : approvals[i].steps) {
        t += hours(step.hours_after_previous);
        if (t > now) break;
        const identity::Principal& who = staff.at(std::string(step.who) + "." + r.key);
        cases::Context ctx{cal, r.version.def, flow};
        auto outcome = cases::Decide(c, step.action, cases::Actor{&who, t}, ctx);
        if (!outcome.ok()) return outcome.error();
        auto applied = store::CaseStore::ApplyIn(tx, *outcome, c.version,
                                                  {"user:" + std::to_string(who.user_id), t});
        if (!applied.ok()) return applied.error();
        c = std::move(*applied);
      }
    }

    // Appointment slots on the next working days, opened by each window's department.
    std::vector<calendar::Date> days;
    for (calendar::Date d = calendar::ShanghaiDate(now) + calendar::CalendarDays(1);
         days.size() < kSlotDays; d = d + calendar::CalendarDays(1)) {
      auto info = cal.Day(d);
      if (!info.ok()) return info.error();
      if (info->IsWorkingDay()) days.push_back(d);
    }
    for (const char* key : kSlotWindows) {
      auto w = std::find_if(windows->begin(), windows->end(), [&](const store::Window& w) {
        auto k = key_of_department.find(w.department_id);
        return k != key_of_department.end() && k->second == key;
      });
      if (w == windows->end()) continue;
      std::vector<store::NewSlot> slots;
      for (const auto& d : days) {
        for (const auto& st : kSlotTimes) {
          Instant s = calendar::ShanghaiStartOfDay(d) + std::chrono::hours(st.hour) +
                      std::chrono::minutes(st.minute);
          slots.push_back({s, s + std::chrono::minutes(kSlotMinutes), kSlotCapacity});
        }
      }
      const auto& clerk = staff.at(std::string("clerk.") + key);
      auto opened = store::AppointmentStore::OpenSlotsIn(
          tx, w->id, slots, {"user:" + std::to_string(clerk.user_id), now});
      if (!opened.ok()) return opened.error();
    }
    return Ok();
  });
}

}  // namespace xn::app
