// FixedFlow: a case's FlowPort over a flow::Flow (the matter's fixed flow), and the default flow
// used by a matter that has none: review (handler) then approval (department head).
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include "domain/cases/case.h"
#include "domain/flow/flow.h"

namespace xn::cases {

class FixedFlow final : public FlowPort {
 public:
  explicit FixedFlow(flow::Flow flow) : flow_(std::move(flow)) {}

  Result<FlowAdvance> Start(const CaseData& data) const override;
  Result<FlowAdvance> Complete(const std::string& token, const std::string& step_id,
                               const CaseData& data,
                               const std::optional<std::string>& chosen) const override;

  const flow::Flow& flow() const { return flow_; }

 private:
  Result<FlowAdvance> ToAdvance(const flow::Advance& a) const;
  flow::Flow flow_;
};

// The flow of a matter without a BPMN file: 审核 (handler) → 审批 (department-head).
flow::Flow DefaultFlow();

// Resolves the department each step names (a lane tag such as "@ZJJ", or a full code) to a
// department code of DEPARTMENT_CODES: the code itself (any letter case), else the code
// REGION_CODE + "-" + the tag in lower case (a department of the matter's own region), else the
// only code ending in "-" + the tag. Errors: kInvalidArgument "flow.unknown_department" naming
// the step, if a step's department matches none (or several).
Result<flow::Flow> ResolveDepartments(const flow::Flow& f,
                                      const std::vector<std::string>& department_codes,
                                      std::string_view region_code);

// Case data as the flow's conditions read it: numbers and booleans typed, the rest text.
flow::CaseData ToFlowData(const CaseData& data);

}  // namespace xn::cases
