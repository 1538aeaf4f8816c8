#include "domain/cases/case.h"

#include <algorithm>
#include <array>

namespace xn::cases {
namespace {

struct StateRow {
  CaseState state;
  std::string_view name, title;
};
constexpr StateRow kStates[] = {
    {CaseState::kSubmitted, "submitted", "待受理"},
    {CaseState::kCorrectionPending, "correction_pending", "待补正"},
    {CaseState::kInProgress, "in_progress", "办理中"},
    {CaseState::kSpecialProcedure, "special_procedure", "特别程序"},
    {CaseState::kAwaitingDecision, "awaiting_decision", "待决定"},
    {CaseState::kConcluded, "concluded", "已办结"},
    {CaseState::kDelivered, "delivered", "已送达"},
    {CaseState::kDeclined, "declined", "不予受理"},
    {CaseState::kWithdrawn, "withdrawn", "已撤回"},
    {CaseState::kRevoked, "revoked", "已撤销"},
};

constexpr std::pair<ActionKind, std::string_view> kActions[] = {
    {ActionKind::kAccept, "accept"},
    {ActionKind::kDecline, "decline"},
    {ActionKind::kRequestCorrection, "request_correction"},
    {ActionKind::kResubmit, "resubmit"},
    {ActionKind::kCompleteStep, "complete_step"},
    {ActionKind::kStartSpecialProcedure, "start_special_procedure"},
    {ActionKind::kEndSpecialProcedure, "end_special_procedure"},
    {ActionKind::kExtend, "extend"},
    {ActionKind::kConclude, "conclude"},
    {ActionKind::kCollectFee, "collect_fee"},
    {ActionKind::kDeliver, "deliver"},
    {ActionKind::kWithdraw, "withdraw"},
    {ActionKind::kVerifyCommitment, "verify_commitment"},
    {ActionKind::kSupervise, "supervise"},
};

Error NotNow(const Case& c, ActionKind a) {
  return MakeError(ErrorCode::kFailedPrecondition, "case.not_allowed_now",
                   "办件当前状态为「" + std::string(CaseStateTitle(c.state)) + "」，不能执行「" +
                       std::string(ActionName(a)) + "」");
}

Error Forbidden(std::string code, std::string message) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(code), std::move(message));
}

Error Missing(const char* field, std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, "validation.required", std::move(message), field);
}

bool HasRole(const identity::Principal& p, std::string_view role) {
  return std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end();
}

bool InDepartment(const identity::Principal& p, const Case& c) {
  return p.department_id && *p.department_id == c.department_id;
}

bool IsApplicantSide(const identity::Principal& p, const Case& c) {
  return (c.applicant_user_id && *c.applicant_user_id == p.user_id) ||
         (c.agent_user_id && *c.agent_user_id == p.user_id);
}

// The department staff with one of ROLES may do it.
Status RequireStaff(const Actor& a, const Case& c, std::initializer_list<std::string_view> roles,
                    const char* what) {
  if (a.principal == nullptr) return Ok();
  const auto& p = *a.principal;
  bool role = std::any_of(roles.begin(), roles.end(), [&](auto r) { return HasRole(p, r); });
  if (!role || !InDepartment(p, c)) {
    return Forbidden("case.role_not_allowed",
                     std::string("只有本部门的相应人员才能") + what);
  }
  return Ok();
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

Status PauseClocks(const Context& ctx, Case& c, Instant at, const std::string& why) {
  for (auto* clock : {&c.statutory, &c.promised}) {
    if (*clock && !(*clock)->paused) {
      auto p = PauseClock(ctx.calendar, **clock, at, why);
      if (!p.ok()) return p.error();
      *clock = std::move(*p);
    }
  }
  return Ok();
}

Status ResumeClocks(const Context& ctx, Case& c, Instant at) {
  for (auto* clock : {&c.statutory, &c.promised}) {
    if (*clock && (*clock)->paused) {
      auto r = ResumeClock(ctx.calendar, **clock, at);
      if (!r.ok()) return r.error();
      *clock = std::move(*r);
    }
  }
  return Ok();
}

Status Activate(const Context& ctx, Case& c, const FlowAdvance& adv, Instant at) {
  c.flow_token = adv.token;
  for (const auto& s : adv.activated) {
    ActiveStep step{s, at, std::nullopt};
    if (s.limit) {
      auto clock = StartClock(ctx.calendar, *s.limit, at);
      if (!clock.ok()) return clock.error();
      step.deadline = clock->deadline;
    }
    c.active_steps.push_back(std::move(step));
  }
  if (adv.finished && c.active_steps.empty()) c.state = CaseState::kAwaitingDecision;
  return Ok();
}

std::string Millis(std::optional<Instant> t) {
  return t ? std::to_string(ToUnixMillis(*t)) : std::string();
}

}  // namespace

std::string_view CaseStateName(CaseState s) {
  for (const auto& r : kStates) {
    if (r.state == s) return r.name;
  }
  return "submitted";
}
std::string_view CaseStateTitle(CaseState s) {
  for (const auto& r : kStates) {
    if (r.state == s) return r.title;
  }
  return "待受理";
}
std::optional<CaseState> ParseCaseState(std::string_view name) {
  for (const auto& r : kStates) {
    if (r.name == name) return r.state;
  }
  return std::nullopt;
}
bool IsClosed(CaseState s) {
  return s == CaseState::kDelivered || s == CaseState::kDeclined ||
         s == CaseState::kWithdrawn || s == CaseState::kRevoked;
}

std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kOnline: return "online";
    case Channel::kWindow: return "window";
    case Channel::kProxy: return "proxy";
  }
  return "online";
}
std::optional<Channel> ParseChannel(std::string_view name) {
  for (Channel c : {Channel::kOnline, Channel::kWindow, Channel::kProxy}) {
    if (ChannelName(c) == name) return c;
  }
  return std::nullopt;
}

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kGrant: return "grant";
    case Decision::kRefuse: return "refuse";
    case Decision::kGrantOnCommitment: return "grant_on_commitment";
  }
  return "grant";
}
std::optional<Decision> ParseDecision(std::string_view name) {
  for (Decision d : {Decision::kGrant, Decision::kRefuse, Decision::kGrantOnCommitment}) {
    if (DecisionName(d) == name) return d;
  }
  return std::nullopt;
}

std::string_view ActionName(ActionKind a) {
  for (const auto& [k, n] : kActions) {
    if (k == a) return n;
  }
  return "accept";
}
std::optional<ActionKind> ParseAction(std::string_view name) {
  for (const auto& [k, n] : kActions) {
    if (n == name) return k;
  }
  return std::nullopt;
}

PendingActors WhoMayActNow(const Case& c) {
  PendingActors out;
  auto add = [&](std::string role) {
    if (std::find(out.roles.begin(), out.roles.end(), role) == out.roles.end()) {
      out.roles.push_back(std::move(role));
    }
  };
  switch (c.state) {
    case CaseState::kSubmitted:
    case CaseState::kConcluded:
      add("clerk");
      break;
    case CaseState::kInProgress:
      for (const auto& s : c.active_steps) {
        std::vector<std::string> roles = s.def.roles;
        if (roles.empty()) roles = {"handler", "department-head"};
        for (auto& r : roles) {
          if (s.def.department_code.empty() || s.def.department_code == c.department_code) {
            add(r);
          } else {
            out.other_departments.emplace_back(s.def.department_code, r);
          }
        }
      }
      break;
    case CaseState::kAwaitingDecision:
    case CaseState::kSpecialProcedure:
      add("department-head");
      add("handler");
      break;
    default:
      break;
  }
  return out;
}

bool MayAct(const identity::Principal& p, const Case& c) {
  return InDepartment(p, c) || IsApplicantSide(p, c);
}

Result<Outcome> Decide(const Case& c, const Action& a, const Actor& actor, const Context& ctx) {
  Outcome out{c, "", {}};
  Case& n = out.next;
  const Instant now = actor.now;
  auto& data = out.event_data;
  switch (a.kind) {
    case ActionKind::kAccept: {
      if (c.state != CaseState::kSubmitted) return NotNow(c, a.kind);
      if (auto s = RequireStaff(actor, c, {"clerk", "department-head"}, "受理"); !s.ok()) {
        return s.error();
      }
      auto statutory = StartClock(ctx.calendar, ctx.matter.statutory, now);
      if (!statutory.ok()) return statutory.error();
      auto promised = StartClock(ctx.calendar, ctx.matter.promised, now);
      if (!promised.ok()) return promised.error();
      n.statutory = std::move(*statutory);
      n.promised = std::move(*promised);
      n.accepted_at = now;
      n.state = CaseState::kInProgress;
      auto adv = ctx.flow.Start(n.data);
      if (!adv.ok()) return adv.error();
      if (auto s = Activate(ctx, n, *adv, now); !s.ok()) return s.error();
      out.event_kind = "case.accepted";
      data["statutory_deadline_ms"] = Millis(n.statutory->deadline);
      data["promised_deadline_ms"] = Millis(n.promised->deadline);
      break;
    }
    case ActionKind::kDecline: {
      if (c.state != CaseState::kSubmitted && c.state != CaseState::kCorrectionPending) {
        return NotNow(c, a.kind);
      }
      if (auto s = RequireStaff(actor, c, {"clerk", "department-head"}, "作出不予受理决定");
          !s.ok()) {
        return s.error();
      }
      if (a.reason.empty()) return Missing("reason", "不予受理须说明理由");
      n.state = CaseState::kDeclined;
      n.decision_reason = a.reason;
      n.closed_at = now;
      out.event_kind = "case.declined";
      data["reason"] = a.reason;
      break;
    }
    case ActionKind::kRequestCorrection: {
      if (c.state != CaseState::kSubmitted && c.state != CaseState::kInProgress) {
        return NotNow(c, a.kind);
      }
      if (auto s = RequireStaff(actor, c, {"clerk", "handler", "department-head"},
                                "出具补正告知");
          !s.ok()) {
        return s.error();
      }
      if (a.items.empty()) {
        return Missing("items", "补正告知须一次性列明全部需补正的材料或事项");
      }
      n.resume_state = c.state;
      n.state = CaseState::kCorrectionPending;
      n.corrections += 1;
      n.correction_items = a.items;
      if (auto s = PauseClocks(ctx, n, now, "补正：" + Join(a.items, "、")); !s.ok()) {
        return s.error();
      }
      out.event_kind = "case.correction_requested";
      data["items"] = Join(a.items, "\n");
      data["round"] = std::to_string(n.corrections);
      if (!a.reason.empty()) data["note"] = a.reason;
      break;
    }
    case ActionKind::kResubmit: {
      if (c.state != CaseState::kCorrectionPending) return NotNow(c, a.kind);
      if (actor.principal && !IsApplicantSide(*actor.principal, c) &&
          !(HasRole(*actor.principal, "clerk") && InDepartment(*actor.principal, c))) {
        return Forbidden("case.role_not_allowed", "只有申请人、代办员或本部门窗口可以提交补正材料");
      }
      n.state = c.resume_state;
      n.correction_items.clear();
      if (auto s = ResumeClocks(ctx, n, now); !s.ok()) return s.error();
      out.event_kind = "case.resubmitted";
      if (n.statutory) data["statutory_deadline_ms"] = Millis(n.statutory->deadline);
      if (n.promised) data["promised_deadline_ms"] = Millis(n.promised->deadline);
      break;
    }
    case ActionKind::kCompleteStep: {
      if (c.state != CaseState::kInProgress) return NotNow(c, a.kind);
      auto it = std::find_if(n.active_steps.begin(), n.active_steps.end(),
                             [&](const ActiveStep& s) { return s.def.id == a.step_id; });
      if (it == n.active_steps.end()) {
        return MakeError(ErrorCode::kFailedPrecondition, "case.step_not_active",
                         "环节「" + a.step_id + "」当前不在办理中（不能跳过或重复办理）",
                         "step_id");
      }
      if (actor.principal) {
        const auto& p = *actor.principal;
        const auto& roles = it->def.roles;
        bool role_ok = roles.empty()
                           ? (HasRole(p, "handler") || HasRole(p, "department-head"))
                           : std::any_of(roles.begin(), roles.end(),
                                         [&](const std::string& r) { return HasRole(p, r); });
        bool dept_ok = it->def.department_code.empty()
                           ? InDepartment(p, c)
                           : p.department_code == it->def.department_code;
        if (!role_ok || !dept_ok) {
          return Forbidden("case.not_your_step",
                           "您无权办理环节「" + it->def.name + "」（角色或部门不符）");
        }
      }
      for (const auto& [k, v] : a.data) n.data[k] = v;
      std::string done_name = it->def.name;
      n.done_steps.push_back(it->def.id);
      n.active_steps.erase(it);
      auto adv = ctx.flow.Complete(c.flow_token, a.step_id, n.data, a.chosen);
      if (!adv.ok()) return adv.error();
      if (auto s = Activate(ctx, n, *adv, now); !s.ok()) return s.error();
      out.event_kind = "case.step_completed";
      data["step_id"] = a.step_id;
      data["step_name"] = done_name;
      if (!a.opinion.empty()) data["opinion"] = a.opinion;
      if (a.chosen) data["chosen"] = *a.chosen;
      std::vector<std::string> activated;
      for (const auto& s : adv->activated) activated.push_back(s.id);
      data["activated"] = Join(activated, ",");
      break;
    }
    case ActionKind::kStartSpecialProcedure: {
      if (c.state != CaseState::kInProgress && c.state != CaseState::kAwaitingDecision) {
        return NotNow(c, a.kind);
      }
      if (auto s = RequireStaff(actor, c, {"handler", "department-head"}, "启动特别程序");
          !s.ok()) {
        return s.error();
      }
      if (a.reason.empty()) return Missing("reason", "特别程序须写明事由（听证、专家评审等）");
      if (a.basis.empty()) return Missing("basis", "特别程序须写明法律依据");
      if (a.notice.empty()) return Missing("notice", "特别程序须书面告知申请人所需时间");
      n.resume_state = c.state;
      n.state = CaseState::kSpecialProcedure;
      if (auto s = PauseClocks(ctx, n, now, "特别程序：" + a.reason); !s.ok()) return s.error();
      out.event_kind = "case.special_procedure_started";
      data["reason"] = a.reason;
      data["basis"] = a.basis;
      data["notice"] = a.notice;
      if (a.days > 0) data["expected_days"] = std::to_string(a.days);
      break;
    }
    case ActionKind::kEndSpecialProcedure: {
      if (c.state != CaseState::kSpecialProcedure) return NotNow(c, a.kind);
      if (auto s = RequireStaff(actor, c, {"handler", "department-head"}, "结束特别程序");
          !s.ok()) {
        return s.error();
      }
      n.state = c.resume_state;
      if (auto s = ResumeClocks(ctx, n, now); !s.ok()) return s.error();
      out.event_kind = "case.special_procedure_ended";
      if (!a.reason.empty()) data["result"] = a.reason;
      break;
    }
    case ActionKind::kExtend: {
      if (c.state != CaseState::kInProgress && c.state != CaseState::kAwaitingDecision) {
        return NotNow(c, a.kind);
      }
      if (auto s = RequireStaff(actor, c, {"department-head"}, "批准延长办理期限"); !s.ok()) {
        return s.error();
      }
      if (c.extended) {
        return MakeError(ErrorCode::kFailedPrecondition, "case.already_extended",
                         "办理期限只能延长一次");
      }
      const int32_t max = catalog::MaxExtension(ctx.matter.statutory);
      if (a.days < 1 || a.days > max) {
        return MakeError(ErrorCode::kInvalidArgument, "case.extension_range",
                         "延长期限须为 1–" + std::to_string(max) + " " +
                             std::string(catalog::LimitUnitTitle(ctx.matter.statutory.unit)) +
                             "（行政许可法第四十二条）",
                         "days");
      }
      if (a.approval.empty()) return Missing("approval", "延长须有负责人批准记录");
      if (a.reason.empty()) return Missing("reason", "延长须说明理由并告知申请人");
      auto x = ExtendClock(ctx.calendar, *n.statutory, a.days, now, a.approval);
      if (!x.ok()) return x.error();
      n.statutory = std::move(*x);
      n.extended = true;
      out.event_kind = "case.extended";
      data["days"] = std::to_string(a.days);
      data["approval"] = a.approval;
      data["reason"] = a.reason;
      data["statutory_deadline_ms"] = Millis(n.statutory->deadline);
      break;
    }
    case ActionKind::kConclude: {
      if (c.state != CaseState::kAwaitingDecision) return NotNow(c, a.kind);
      if (auto s = RequireStaff(actor, c, {"department-head", "handler"}, "作出决定"); !s.ok()) {
        return s.error();
      }
      if (!a.decision) return Missing("decision", "须选择准予或不予许可");
      if (*a.decision == Decision::kRefuse && a.reason.empty()) {
        return Missing("reason", "不予许可须说明理由（行政许可法第三十八条）");
      }
      if (*a.decision == Decision::kGrantOnCommitment && !ctx.matter.commitment_allowed) {
        return MakeError(ErrorCode::kInvalidArgument, "case.commitment_not_allowed",
                         "该事项未实行告知承诺制", "decision");
      }
      n.decision = a.decision;
      n.decision_reason = a.reason;
      n.concluded_at = now;
      n.state = CaseState::kConcluded;
      if (*a.decision != Decision::kRefuse) {
        for (const auto& f : ctx.matter.fees) n.fee_due_fen += f.amount_fen;
      }
      if (*a.decision == Decision::kGrantOnCommitment) {
        auto v = ctx.calendar.AddWorkingDays(calendar::ShanghaiDate(now),
                                             calendar::WorkingDays(ctx.matter.verification_days));
        if (!v.ok()) return v.error();
        n.verification_deadline = EndOfDay(v->date);
        data["verification_deadline_ms"] = Millis(n.verification_deadline);
      }
      out.event_kind = "case.concluded";
      data["decision"] = std::string(DecisionName(*a.decision));
      if (!a.reason.empty()) data["reason"] = a.reason;
      if (*a.decision == Decision::kRefuse) {
        data["remedies"] = "申请人如不服，可依法申请行政复议或提起行政诉讼";
      }
      data["fee_due_fen"] = std::to_string(n.fee_due_fen);
      break;
    }
    case ActionKind::kCollectFee: {
      if (c.state != CaseState::kConcluded) return NotNow(c, a.kind);
      if (auto s = RequireStaff(actor, c, {"clerk"}, "收费"); !s.ok()) return s.error();
      auto fee = std::find_if(ctx.matter.fees.begin(), ctx.matter.fees.end(),
                              [&](const catalog::FeeItem& f) { return f.name == a.fee_item; });
      if (a.amount_fen <= 0) {
        return MakeError(ErrorCode::kInvalidArgument, "validation.range", "收费金额须大于0",
                         "amount_fen");
      }
      // A fee outside the standard is recorded as charged, with the facts supervision needs
      // (ES-07): the system keeps the truth rather than hiding a violation.
      bool in_list = fee != ctx.matter.fees.end();
      bool within = in_list && a.amount_fen <= fee->amount_fen;
      n.fee_paid_fen += a.amount_fen;
      out.event_kind = "case.fee_collected";
      data["fee_item"] = a.fee_item;
      data["amount_fen"] = std::to_string(a.amount_fen);
      data["in_list"] = in_list ? "true" : "false";
      data["within_standard"] = within ? "true" : "false";
      if (in_list) data["standard_fen"] = std::to_string(fee->amount_fen);
      break;
    }
    case ActionKind::kDeliver: {
      if (c.state != CaseState::kConcluded) return NotNow(c, a.kind);
      if (auto s = RequireStaff(actor, c, {"clerk"}, "送达"); !s.ok()) return s.error();
      if (c.fee_paid_fen < c.fee_due_fen) {
        return MakeError(ErrorCode::kFailedPrecondition, "case.fee_unpaid",
                         "尚有应缴费用未收取，不能送达");
      }
      n.state = CaseState::kDelivered;
      n.delivered_at = now;
      n.closed_at = now;
      out.event_kind = "case.delivered";
      if (!a.reason.empty()) data["method"] = a.reason;
      break;
    }
    case ActionKind::kWithdraw: {
      if (IsClosed(c.state) || c.state == CaseState::kConcluded) return NotNow(c, a.kind);
      if (actor.principal && !IsApplicantSide(*actor.principal, c) &&
          !(HasRole(*actor.principal, "clerk") && InDepartment(*actor.principal, c))) {
        return Forbidden("case.role_not_allowed", "只有申请人或代办员可以撤回申请");
      }
      n.state = CaseState::kWithdrawn;
      n.closed_at = now;
      out.event_kind = "case.withdrawn";
      if (!a.reason.empty()) data["reason"] = a.reason;
      break;
    }
    case ActionKind::kVerifyCommitment: {
      bool pending = (c.state == CaseState::kConcluded || c.state == CaseState::kDelivered) &&
                     c.decision == Decision::kGrantOnCommitment && !c.verified;
      if (!pending) return NotNow(c, a.kind);
      if (auto s = RequireStaff(actor, c, {"handler", "department-head"}, "核查承诺事项");
          !s.ok()) {
        return s.error();
      }
      if (!a.passed) return Missing("passed", "须写明核查是否通过");
      if (a.reason.empty()) return Missing("reason", "须写明核查情况");
      n.verified = *a.passed;
      out.event_kind = "case.commitment_verified";
      data["passed"] = *a.passed ? "true" : "false";
      data["findings"] = a.reason;
      if (c.verification_deadline && now > *c.verification_deadline) data["late"] = "true";
      if (!*a.passed) {
        // A commitment found untrue: the grant is revoked (告知承诺制: 撤销许可).
        n.state = CaseState::kRevoked;
        n.closed_at = now;
        data["remedies"] = "申请人如不服，可依法申请行政复议或提起行政诉讼";
      }
      break;
    }
    case ActionKind::kSupervise: {
      if (IsClosed(c.state)) return NotNow(c, a.kind);
      if (actor.principal && !HasRole(*actor.principal, "supervisor")) {
        return Forbidden("case.role_not_allowed", "只有效能办工作人员可以将办件列入督办");
      }
      if (c.supervised) {
        return MakeError(ErrorCode::kFailedPrecondition, "case.already_supervised",
                         "办件已在督办中");
      }
      if (a.reason.empty()) return Missing("reason", "督办须写明事由");
      n.supervised = true;
      out.event_kind = "case.supervision_placed";
      data["reason"] = a.reason;
      break;
    }
  }
  n.version = c.version + 1;
  data["state"] = std::string(CaseStateName(n.state));
  return out;
}

bool ValidCreditCode(std::string_view code) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                   29, 25, 13, 8,  24, 10, 30, 28};
  if (code.size() != 18) return false;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    size_t v = kChars.find(code[i]);
    if (v == std::string_view::npos) return false;
    sum += static_cast<int>(v) * kWeights[i];
  }
  int check = (31 - sum % 31) % 31;
  return code[17] == kChars[check];
}

bool ValidIdNumber(std::string_view id) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                                   3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  if (id.size() != 18) return false;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
    sum += (id[i] - '0') * kWeights[i];
  }
  return id[17] == kCheck[sum % 11];
}

}  // namespace xn::cases
