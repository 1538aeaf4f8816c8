// BPMN 2.0 import: a fixed flow (domain/flow/flow.h) from a .bpmn file as drawn in bpmn.io,
// Camunda Modeler 7 and 8, Signavio, Bizagi, Activiti/Flowable and other modelers.
//
// Elements are matched on the BPMN model namespace (http://www.omg.org/spec/BPMN/20100524/MODEL)
// and their local names, never on the prefix (bpmn:, bpmn2:, semantic:, model:, or the default
// namespace all work). Diagram data (BPMNDI), vendor extensions and documentation-only elements
// are ignored. docs/flows.md lists the supported subset; in short:
//   - startEvent (plain), endEvent (plain or terminate) → start and end events;
//   - task, userTask, manualTask → steps; the lane a step lies in gives its roles and department
//     (a lane named "窗口受理 (clerk)", "审核 (reviewer@ZJJ)" or "住建局 (@ZJJ)", or a lane whose
//     id is a role identifier such as "clerk"; the innermost lane that says wins, and the pool's
//     name may give the department); without a lane role, a `candidateGroups` attribute
//     (Camunda 7, Activiti, Flowable) or a zeebe:assignmentDefinition (Camunda 8) gives them;
//   - exclusiveGateway (with its `default` flow), parallelGateway, sequenceFlow with a
//     conditionExpression (`${...}`, `#{...}`, FEEL `=...` or the plain language of
//     flow::Condition);
//   - a boundaryEvent with a timerEventDefinition/timeDuration attached to a step → the step's
//     limit (`P5D` = 5 working days, `PT4H` = 4 hours). A limit is not a path: the timer must
//     have no outgoing flow (overdue steps are the business of electronic supervision).
// Everything with behaviour outside that subset (service/script/send/receive/business rule
// tasks, call activities, sub-processes, inclusive/event-based/complex gateways, intermediate
// events, message/timer/signal start events, boundary events other than a plain timer, loops and
// multi-instance, message flows between pools, a second pool with its own flow) is listed as
// unsupported with where it is. Data objects, data stores, associations, text annotations and
// groups are harmless and ignored.
//
// Robustness: the input is limited to kMaxBpmnBytes; any file, however malformed (not XML,
// binary, truncated, deeply nested, missing ids, dangling references), gives a Result error or an
// unsupported list, never a crash or an exception.
//
// Thread-safety: ImportBpmn is a pure function of its input; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/result.h"
#include "domain/flow/flow.h"

namespace xn::flow {

inline constexpr size_t kMaxBpmnBytes = 5 * 1024 * 1024;

// An element the import does not support, and where it is.
struct UnsupportedElement {
  std::string element;     // the BPMN local name: "serviceTask", "inclusiveGateway", ...
  std::string id;          // "" if the element has none
  std::string name;
  std::string process_id;  // the process (pool) it lies in; "" for collaboration elements
  int line = 0;            // 1-based line in the file; 0 if unknown
  std::string reason;      // why it is refused, e.g. "automated tasks are not supported"
};

struct ImportResult {
  // The flow, set if and only if `unsupported` is empty.
  std::optional<Flow> flow;
  std::vector<UnsupportedElement> unsupported;
  // Advice that does not stop the import, e.g. "step 'Task_1' (审核) has no role: ...".
  std::vector<std::string> warnings;
};

// Imports the one process of a BPMN 2.0 file. With several processes (pools), the one that has
// flow nodes is imported; pools without flow nodes (an applicant drawn as a collapsed pool) are
// ignored; a second pool with its own flow nodes is listed as unsupported.
// Errors (nothing is imported):
//   kPayloadTooLarge  "flow.bpmn_too_large"   more than kMaxBpmnBytes;
//   kInvalidArgument  "flow.bpmn_not_xml"     empty, or not well-formed XML (message with line);
//   kInvalidArgument  "flow.bpmn_not_bpmn"    the root is not a BPMN 2.0 <definitions>;
//   kInvalidArgument  "flow.bpmn_no_process"  no process with flow nodes;
//   kInvalidArgument  "flow.bpmn_missing_id"  a supported element without an id;
//   kInvalidArgument  "flow.bpmn_dangling_ref" a sequence flow without source or target, a timer
//                                             attached to nothing;
//   kInvalidArgument  "flow.bad_duration"     a timer whose duration is not a step limit;
//   and the errors of Flow::Build (field = the element id; the message names the element and
//   its line).
// An unsupported element is not an error: the result lists it and carries no flow.
Result<ImportResult> ImportBpmn(std::string_view xml);

}  // namespace xn::flow
