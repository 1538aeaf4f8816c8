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

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

Result<flow::Flow> ResolveDepartments(const flow::Flow& f,
                                      const std::vector<std::string>& department_codes,
                                      std::string_view region_code) {
  flow::FlowDefinition def{f.id(), f.name(), f.description(), f.nodes(), f.flows()};
  bool changed = false;
  for (auto& n : def.nodes) {
    if (n.department_code.empty()) continue;
    const std::string tag = Lower(n.department_code);
    std::string found;
    for (const auto& code : department_codes) {
      if (Lower(code) == tag) found = code;
    }
    if (found.empty()) {
      const std::string local = Lower(std::string(region_code) + "-" + tag);
      for (const auto& code : department_codes) {
        if (Lower(code) == local) found = code;
      }
    }
    if (found.empty()) {
      int matches = 0;
      for (const auto& code : department_codes) {
        std::string l = Lower(code);
        if (l.size() > tag.size() && l.compare(l.size() - tag.size(), tag.size(), tag) == 0 &&
            l[l.size() - tag.size() - 1] == '-') {
          found = code;
          ++matches;
        }
      }
      if (matches > 1) found.clear();
    }
    if (found.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "flow.unknown_department",
                       "环节「" + (n.name.empty() ? n.id : n.name) + "」指定的部门 " +
                           n.department_code + " 不存在或不唯一",
                       "flow_bpmn");
    }
    if (found != n.department_code) {
      n.department_code = found;
      changed = true;
    }
  }
  if (!changed) return f;
  return flow::Flow::Build(std::move(def));
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
