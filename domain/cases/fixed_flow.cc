#include "domain/cases/fixed_flow.h"

#include <charconv>

namespace xn::cases {

flow::CaseData ToFlowData(const CaseData& data) {
  flow::CaseData out;
  for (const auto& [k, v] : data) {
    if (v == "true" || v == "false") {
      out[k] = (v == "true");
      continue;
    }
    double d = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec == std::errc() && p == v.data() + v.size() && !v.empty()) {
      out[k] = d;
    } else {
      out[k] = v;
    }
  }
  return out;
}

Result<FlowAdvance> FixedFlow::ToAdvance(const flow::Advance& a) const {
  FlowAdvance out;
  out.token = flow::SerializeState(a.state);
  out.finished = a.ended;
  for (const auto& id : a.activated) {
    const flow::Node* node = nullptr;
    for (const auto& n : flow_.nodes()) {
      if (n.id == id) node = &n;
    }
    if (node == nullptr) {
      return MakeError(ErrorCode::kInternal, "flow.unknown_step", "flow step vanished: " + id);
    }
    StepDef s{node->id, node->name.empty() ? node->id : node->name, node->roles,
              node->department_code, std::nullopt};
    if (node->limit) {
      if (const auto* wd = std::get_if<calendar::WorkingDays>(&*node->limit)) {
        s.limit = catalog::TimeLimit{wd->count, catalog::LimitUnit::kWorkingDays, ""};
      } else if (const auto* h = std::get_if<std::chrono::hours>(&*node->limit)) {
        s.limit = catalog::TimeLimit{static_cast<int32_t>(h->count()), catalog::LimitUnit::kHours,
                                     ""};
      }
    }
    out.activated.push_back(std::move(s));
  }
  return out;
}

Result<FlowAdvance> FixedFlow::Start(const CaseData& data) const {
  auto a = flow::Start(flow_, ToFlowData(data));
  if (!a.ok()) return a.error();
  return ToAdvance(*a);
}

Result<FlowAdvance> FixedFlow::Complete(const std::string& token, const std::string& step_id,
                                        const CaseData& data,
                                        const std::optional<std::string>& chosen) const {
  auto state = flow::ParseState(token);
  if (!state.ok()) return state.error();
  auto a = flow::Complete(flow_, *state, step_id, ToFlowData(data), chosen);
  if (!a.ok()) return a.error();
  return ToAdvance(*a);
}

flow::Flow DefaultFlow() {
  flow::FlowDefinition def;
  def.id = "default";
  def.name = "默认流程：审核、审批";
  def.nodes = {
      {.id = "start", .kind = flow::NodeKind::kStartEvent, .name = "受理"},
      {.id = "review", .kind = flow::NodeKind::kStep, .name = "审核", .roles = {"handler"}},
      {.id = "approve", .kind = flow::NodeKind::kStep, .name = "审批",
       .roles = {"department-head"}},
      {.id = "end", .kind = flow::NodeKind::kEndEvent, .name = "办结"},
  };
  def.flows = {
      {.id = "f1", .source = "start", .target = "review"},
      {.id = "f2", .source = "review", .target = "approve"},
      {.id = "f3", .source = "approve", .target = "end"},
  };
  auto built = flow::Flow::Build(std::move(def));
  // The definition above is fixed and valid; a failure here is a bug.
  if (!built.ok()) throw std::logic_error("default flow: " + built.error().message);
  return std::move(*built);
}

}  // namespace xn::cases
