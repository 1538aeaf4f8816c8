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

// Case data as the flow's conditions read it: numbers and booleans typed, the rest text.
flow::CaseData ToFlowData(const CaseData& data);

}  // namespace xn::cases
