#include "store/flow/bpmn_import.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <pugixml.hpp>
#include <set>
#include <utility>

namespace xn::flow {
namespace {

constexpr std::string_view kBpmnNs = "http://www.omg.org/spec/BPMN/20100524/MODEL";
// Nested lanes deeper than this are refused (no modeler draws them; a hostile file might).
constexpr int kMaxLaneDepth = 32;

Error Invalid(std::string code, std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(code), std::move(message),
                   std::move(field));
}

std::string_view LocalName(pugi::xml_node n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The namespace URI of an element: its prefix's xmlns declaration on it or its nearest ancestor.
std::string_view NamespaceOf(pugi::xml_node n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  std::string attr = colon == std::string_view::npos
                         ? std::string("xmlns")
                         : "xmlns:" + std::string(name.substr(0, colon));
  for (pugi::xml_node a = n; a && a.type() == pugi::node_element; a = a.parent()) {
    if (pugi::xml_attribute decl = a.attribute(attr.c_str())) return decl.value();
  }
  return {};
}

bool IsBpmn(pugi::xml_node n) {
  return n.type() == pugi::node_element && NamespaceOf(n) == kBpmnNs;
}

// An attribute by local name, whatever its prefix (BPMN attributes have none; vendor ones do).
pugi::xml_attribute AttributeByLocalName(pugi::xml_node n, std::string_view local) {
  for (pugi::xml_attribute a : n.attributes()) {
    std::string_view name = a.name();
    size_t colon = name.find(':');
    if ((colon == std::string_view::npos ? name : name.substr(colon + 1)) == local) return a;
  }
  return {};
}

// An id reference; some tools write a QName ("tns:Process_1"): ids never contain a colon.
std::string Ref(std::string_view v) {
  size_t b = v.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  v = v.substr(b, v.find_last_not_of(" \t\r\n") - b + 1);
  size_t colon = v.rfind(':');
  return std::string(colon == std::string_view::npos ? v : v.substr(colon + 1));
}

// All the text of an element (text and CDATA children).
std::string TextOf(pugi::xml_node n) {
  std::string s;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) s += c.value();
  }
  return s;
}

std::string Trimmed(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool IsRoleId(std::string_view s) {
  if (s.size() < 2 || s.size() > 40 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsDepartmentCode(std::string_view s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

// What a lane (or pool) name says: "审核 (reviewer@ZJJ)", "住建局（@ZJJ）", "(clerk, reviewer)".
struct LaneTag {
  std::vector<std::string> roles;
  std::string department;
};

std::optional<LaneTag> ParseLaneTag(std::string_view name) {
  while (!name.empty() && (name.back() == ' ' || name.back() == '\n' || name.back() == '\r' ||
                           name.back() == '\t')) {
    name.remove_suffix(1);
  }
  std::string_view body;
  constexpr std::string_view kOpenWide = "（", kCloseWide = "）";
  if (name.ends_with(")")) {
    size_t open = name.rfind('(');
    if (open == std::string_view::npos) return std::nullopt;
    body = name.substr(open + 1, name.size() - open - 2);
  } else if (name.ends_with(kCloseWide)) {
    size_t open = name.rfind(kOpenWide);
    if (open == std::string_view::npos) return std::nullopt;
    body = name.substr(open + kOpenWide.size(),
                       name.size() - open - kOpenWide.size() - kCloseWide.size());
  } else {
    return std::nullopt;
  }
  LaneTag tag;
  // Entries separated by ',', '，', '、' or ' '.
  std::string text(body);
  for (std::string_view sep : {"，", "、"}) {
    for (size_t p; (p = text.find(sep)) != std::string::npos;) text.replace(p, sep.size(), ",");
  }
  std::replace(text.begin(), text.end(), ' ', ',');
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string_view entry = std::string_view(text).substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    size_t at = entry.find('@');
    std::string_view role = entry.substr(0, at);
    if (!role.empty()) {
      if (!IsRoleId(role)) return std::nullopt;
      tag.roles.emplace_back(role);
    }
    if (at != std::string_view::npos) {
      std::string_view dept = entry.substr(at + 1);
      if (!IsDepartmentCode(dept)) return std::nullopt;
      if (!tag.department.empty() && tag.department != dept) return std::nullopt;
      tag.department = std::string(dept);
    }
  }
  if (tag.roles.empty() && tag.department.empty()) return std::nullopt;
  return tag;
}

std::vector<std::string> SplitRoles(std::string_view list) {
  std::vector<std::string> roles;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string role = Trimmed(std::string(list.substr(start, end - start)));
    if (IsRoleId(role)) roles.push_back(role);
    start = end + 1;
  }
  return roles;
}

// Why an element with behaviour is refused.
std::string ReasonFor(std::string_view local) {
  static const std::map<std::string_view, std::string_view> kReasons = {
      {"serviceTask", "automated tasks are not supported: a step is work a person does"},
      {"scriptTask", "automated tasks are not supported: a step is work a person does"},
      {"sendTask", "message tasks are not supported"},
      {"receiveTask", "message tasks are not supported"},
      {"businessRuleTask", "automated tasks are not supported: a step is work a person does"},
      {"callActivity", "calling another process is not supported"},
      {"subProcess", "sub-processes are not supported: draw the steps in the main flow"},
      {"adHocSubProcess", "sub-processes are not supported"},
      {"transaction", "transactions are not supported"},
      {"inclusiveGateway",
       "inclusive gateways are not supported: use an exclusive or a parallel gateway"},
      {"eventBasedGateway", "event-based gateways are not supported"},
      {"complexGateway", "complex gateways are not supported"},
      {"intermediateCatchEvent", "intermediate events are not supported"},
      {"intermediateThrowEvent", "intermediate events are not supported"},
      {"messageFlow", "message flows between pools are not supported"},
      {"choreographyTask", "choreographies are not supported"},
      {"subChoreography", "choreographies are not supported"},
      {"callChoreography", "choreographies are not supported"},
  };
  auto it = kReasons.find(local);
  if (it != kReasons.end()) return std::string(it->second);
  return "element not supported in a fixed flow";
}

// Children of a process that carry no behaviour.
bool IsHarmless(std::string_view local) {
  static const std::set<std::string_view> kHarmless = {
      "documentation",   "extensionElements",  "laneSet",     "ioSpecification",
      "property",        "dataObject",         "dataObjectReference", "dataStoreReference",
      "textAnnotation",  "association",        "group",       "auditing",
      "monitoring",      "resourceRole",       "performer",   "humanPerformer",
      "potentialOwner",  "correlationSubscription"};
  return kHarmless.count(local) > 0;
}

// Children of a task or event that carry no behaviour.
bool IsHarmlessChild(std::string_view local) {
  static const std::set<std::string_view> kHarmless = {
      "documentation",  "extensionElements", "incoming",       "outgoing",
      "ioSpecification", "property",         "dataInputAssociation", "dataOutputAssociation",
      "dataInput",      "dataOutput",        "inputSet",       "outputSet",
      "resourceRole",   "performer",         "humanPerformer", "potentialOwner",
      "auditing",       "monitoring"};
  return kHarmless.count(local) > 0;
}

class Importer {
 public:
  explicit Importer(std::string_view xml) : xml_(xml) {
    for (size_t i = 0; i < xml.size(); ++i) {
      if (xml[i] == '\n') newlines_.push_back(i);
    }
  }

  Result<ImportResult> Run() {
    if (xml_.size() > kMaxBpmnBytes) {
      return MakeError(ErrorCode::kPayloadTooLarge, "flow.bpmn_too_large",
                       "BPMN file larger than " + std::to_string(kMaxBpmnBytes / (1024 * 1024)) +
                           " MiB");
    }
    if (xml_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Invalid("flow.bpmn_not_xml", "empty file: not a BPMN file");
    }
    pugi::xml_parse_result parsed =
        doc_.load_buffer(xml_.data(), xml_.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed) {
      return Invalid("flow.bpmn_not_xml",
                     std::string("not well-formed XML: ") + parsed.description() + " (line " +
                         std::to_string(LineAt(parsed.offset)) + ")");
    }
    pugi::xml_node root = doc_.document_element();
    if (!root || !IsBpmn(root) || LocalName(root) != "definitions") {
      return Invalid("flow.bpmn_not_bpmn",
                     "not a BPMN 2.0 file: the root element must be <definitions> in the "
                     "namespace " + std::string(kBpmnNs));
    }

    // Processes and pools.
    std::vector<pugi::xml_node> processes;
    std::map<std::string, pugi::xml_node> participant_of;  // process id → participant
    for (pugi::xml_node c : root.children()) {
      if (!IsBpmn(c)) continue;
      if (LocalName(c) == "process") processes.push_back(c);
      if (LocalName(c) == "collaboration") {
        for (pugi::xml_node p : c.children()) {
          if (!IsBpmn(p)) continue;
          if (LocalName(p) == "participant") {
            std::string ref = Ref(p.attribute("processRef").value());
            if (!ref.empty()) participant_of[ref] = p;
          } else if (LocalName(p) == "messageFlow") {
            AddUnsupported(p, "", ReasonFor("messageFlow"));
          }
        }
      }
    }
    pugi::xml_node chosen;
    size_t chosen_nodes = 0;
    std::vector<pugi::xml_node> populated;
    for (pugi::xml_node p : processes) {
      size_t count = CountFlowNodes(p);
      if (count == 0) continue;
      populated.push_back(p);
      if (count > chosen_nodes) {
        chosen = p;
        chosen_nodes = count;
      }
    }
    if (!chosen) {
      return Invalid("flow.bpmn_no_process", "the file has no process with flow elements");
    }
    for (pugi::xml_node p : populated) {
      if (p == chosen) continue;
      auto it = participant_of.find(p.attribute("id").value());
      pugi::xml_node where = it != participant_of.end() ? it->second : p;
      AddUnsupported(where, "",
                     "a second pool with its own flow: a fixed flow is one pool; keep the other "
                     "parties as collapsed pools or lanes");
    }
    process_id_ = chosen.attribute("id").value();
    if (auto it = participant_of.find(process_id_); it != participant_of.end()) {
      pool_ = it->second;
    }

    if (Status s = ReadProcess(chosen); !s.ok()) return s.error();
    if (Status s = ReadLanes(chosen); !s.ok()) return s.error();

    ImportResult result;
    result.unsupported = std::move(unsupported_);
    std::sort(result.unsupported.begin(), result.unsupported.end(),
              [](const UnsupportedElement& a, const UnsupportedElement& b) {
                return a.line < b.line;
              });
    if (!result.unsupported.empty()) return result;

    AssignRoles();
    def_.id = process_id_;
    def_.name = chosen.attribute("name").value();
    if (def_.name.empty() && pool_) def_.name = pool_.attribute("name").value();
    for (const Node& n : def_.nodes) {
      if (n.kind == NodeKind::kStep && n.roles.empty()) {
        warnings_.push_back("step '" + n.id + "' (" + n.name +
                            ") has no role: put it in a lane named like \"审核 (reviewer)\"");
      }
    }
    auto flow = Flow::Build(std::move(def_));
    if (!flow.ok()) {
      Error e = flow.error();
      if (auto it = lines_.find(e.field); it != lines_.end()) {
        e.message += " (line " + std::to_string(it->second) + ")";
      }
      return e;
    }
    result.flow = std::move(flow).value();
    result.warnings = std::move(warnings_);
    return result;
  }

 private:
  int LineAt(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    auto it = std::lower_bound(newlines_.begin(), newlines_.end(), static_cast<size_t>(offset));
    return static_cast<int>(it - newlines_.begin()) + 1;
  }
  int LineOf(pugi::xml_node n) const { return LineAt(n.offset_debug()); }

  void AddUnsupported(pugi::xml_node n, std::string process_id, std::string reason) {
    unsupported_.push_back(UnsupportedElement{
        .element = std::string(LocalName(n)),
        .id = n.attribute("id").value(),
        .name = n.attribute("name").value(),
        .process_id = std::move(process_id),
        .line = LineOf(n),
        .reason = std::move(reason),
    });
  }

  static size_t CountFlowNodes(pugi::xml_node process) {
    size_t count = 0;
    for (pugi::xml_node c : process.children()) {
      if (!IsBpmn(c)) continue;
      std::string_view local = LocalName(c);
      if (!IsHarmless(local) && local != "sequenceFlow") ++count;
    }
    return count;
  }

  // Refuses the behaviour-carrying children of a flow node (loops, event triggers).
  // Returns false if the node was listed as unsupported.
  bool CheckChildren(pugi::xml_node n, bool allow_terminate, bool* terminate) {
    for (pugi::xml_node c : n.children()) {
      if (!IsBpmn(c)) continue;
      std::string_view local = LocalName(c);
      if (IsHarmlessChild(local)) continue;
      if (allow_terminate && local == "terminateEventDefinition") {
        *terminate = true;
        continue;
      }
      std::string reason;
      if (local.ends_with("LoopCharacteristics")) {
        reason = "loops and multi-instance steps are not supported";
      } else if (local.ends_with("EventDefinition") || local == "eventDefinitionRef") {
        reason = "only plain start and end events are supported (this one has a " +
                 std::string(local) + ")";
      } else {
        reason = "<" + std::string(local) + "> inside a flow node is not supported";
      }
      AddUnsupported(n, process_id_, std::move(reason));
      return false;
    }
    return true;
  }

  Status ReadProcess(pugi::xml_node process) {
    std::vector<pugi::xml_node> boundaries;
    for (pugi::xml_node c : process.children()) {
      if (!IsBpmn(c)) continue;
      std::string_view local = LocalName(c);
      if (local == "documentation") {
        def_.description += (def_.description.empty() ? "" : "\n") + Trimmed(TextOf(c));
        continue;
      }
      if (IsHarmless(local)) continue;
      if (local == "sequenceFlow") {
        if (Status s = ReadSequenceFlow(c); !s.ok()) return s;
        continue;
      }
      if (local == "boundaryEvent") {
        boundaries.push_back(c);
        continue;
      }
      std::optional<NodeKind> kind;
      if (local == "startEvent") kind = NodeKind::kStartEvent;
      if (local == "endEvent") kind = NodeKind::kEndEvent;
      if (local == "task" || local == "userTask" || local == "manualTask") kind = NodeKind::kStep;
      if (local == "exclusiveGateway") kind = NodeKind::kExclusiveGateway;
      if (local == "parallelGateway") kind = NodeKind::kParallelGateway;
      if (!kind) {
        AddUnsupported(c, process_id_, ReasonFor(local));
        continue;
      }
      Node node;
      node.kind = *kind;
      if (c.attribute("isForCompensation").as_bool()) {
        AddUnsupported(c, process_id_, "compensation is not supported");
        continue;
      }
      if (!CheckChildren(c, *kind == NodeKind::kEndEvent, &node.terminate)) continue;
      if (Status s = ReadCommon(c, node.id, node.name); !s.ok()) return s;
      for (pugi::xml_node d : c.children()) {
        if (IsBpmn(d) && LocalName(d) == "documentation") {
          node.description += (node.description.empty() ? "" : "\n") + Trimmed(TextOf(d));
        }
      }
      if (*kind == NodeKind::kExclusiveGateway) node.default_flow = Ref(c.attribute("default").value());
      if (*kind == NodeKind::kStep) {
        node.roles = SplitRoles(AttributeByLocalName(c, "candidateGroups").value());
        if (node.roles.empty()) node.roles = ZeebeCandidateGroups(c);
      }
      node_at_[node.id] = def_.nodes.size();
      def_.nodes.push_back(std::move(node));
    }
    for (pugi::xml_node b : boundaries) {
      if (Status s = ReadBoundary(b); !s.ok()) return s;
    }
    return Ok();
  }

  static std::vector<std::string> ZeebeCandidateGroups(pugi::xml_node task) {
    for (pugi::xml_node ext : task.children()) {
      if (LocalName(ext) != "extensionElements") continue;
      for (pugi::xml_node a : ext.children()) {
        if (LocalName(a) == "assignmentDefinition") {
          return SplitRoles(a.attribute("candidateGroups").value());
        }
      }
    }
    return {};
  }

  Status ReadCommon(pugi::xml_node c, std::string& id, std::string& name) {
    id = Trimmed(c.attribute("id").value());
    name = Trimmed(c.attribute("name").value());
    if (id.empty()) {
      return Invalid("flow.bpmn_missing_id", "<" + std::string(LocalName(c)) + "> at line " +
                                                 std::to_string(LineOf(c)) + " has no id");
    }
    lines_.emplace(id, LineOf(c));
    return Ok();
  }

  Status ReadSequenceFlow(pugi::xml_node c) {
    SequenceFlow sf;
    if (Status s = ReadCommon(c, sf.id, sf.name); !s.ok()) return s;
    sf.source = Ref(c.attribute("sourceRef").value());
    sf.target = Ref(c.attribute("targetRef").value());
    if (sf.source.empty() || sf.target.empty()) {
      return Invalid("flow.bpmn_dangling_ref",
                     "sequence flow '" + sf.id + "' (line " + std::to_string(LineOf(c)) +
                         ") has no " + (sf.source.empty() ? "sourceRef" : "targetRef"),
                     sf.id);
    }
    for (pugi::xml_node e : c.children()) {
      if (!IsBpmn(e) || LocalName(e) != "conditionExpression") continue;
      std::string language = pugi::xml_node(e).attribute("language").value();
      std::transform(language.begin(), language.end(), language.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      for (std::string_view script : {"javascript", "ecmascript", "groovy", "python", "jython",
                                      "ruby", "js", "nashorn"}) {
        if (language == script) {
          AddUnsupported(c, process_id_,
                         "a script condition (" + language +
                             ") is not supported: write it in the condition language of "
                             "docs/flows.md");
          return Ok();
        }
      }
      sf.condition = Trimmed(TextOf(e));
      if (!sf.condition.empty()) {
        // Checked here so the error names the flow and its line even before the flow is built.
        auto parsed = Condition::Parse(sf.condition);
        if (!parsed.ok()) {
          return Invalid("flow.bad_condition",
                         "sequence flow '" + sf.id + "' (line " + std::to_string(LineOf(c)) +
                             "): " + parsed.error().message,
                         sf.id);
        }
      }
    }
    sources_.insert(sf.source);
    def_.flows.push_back(std::move(sf));
    return Ok();
  }

  Status ReadBoundary(pugi::xml_node b) {
    std::string id = Trimmed(b.attribute("id").value());
    pugi::xml_node timer;
    bool other = false;
    for (pugi::xml_node c : b.children()) {
      if (!IsBpmn(c)) continue;
      std::string_view local = LocalName(c);
      if (local == "timerEventDefinition" && !timer) {
        timer = c;
      } else if (!IsHarmlessChild(local)) {
        other = true;
      }
    }
    if (!timer || other) {
      AddUnsupported(b, process_id_,
                     "only a timer boundary event (a step limit) is supported on a step");
      return Ok();
    }
    pugi::xml_node duration;
    for (pugi::xml_node c : timer.children()) {
      if (!IsBpmn(c)) continue;
      if (LocalName(c) == "timeDuration") {
        duration = c;
      } else if (LocalName(c) == "timeDate" || LocalName(c) == "timeCycle") {
        AddUnsupported(b, process_id_,
                       "a timer with a date or a cycle: a step limit is a duration (timeDuration)");
        return Ok();
      }
    }
    if (!duration) {
      AddUnsupported(b, process_id_, "a timer without a timeDuration");
      return Ok();
    }
    if (!id.empty() && sources_.count(id)) {
      AddUnsupported(b, process_id_,
                     "a timer with an outgoing flow: a step limit is not a path (remove the "
                     "flow; overdue steps are raised by electronic supervision)");
      return Ok();
    }
    std::string attached = Ref(b.attribute("attachedToRef").value());
    auto it = node_at_.find(attached);
    if (attached.empty()) {
      return Invalid("flow.bpmn_dangling_ref",
                     "boundary event '" + id + "' (line " + std::to_string(LineOf(b)) +
                         ") is attached to nothing",
                     id);
    }
    if (it == node_at_.end()) {
      // Attached to an unsupported element (already listed) or to a missing one.
      bool listed = std::any_of(unsupported_.begin(), unsupported_.end(),
                                [&](const UnsupportedElement& u) { return u.id == attached; });
      if (listed) return Ok();
      return Invalid("flow.bpmn_dangling_ref",
                     "boundary event '" + id + "' (line " + std::to_string(LineOf(b)) +
                         ") is attached to a missing element '" + attached + "'",
                     id);
    }
    Node& step = def_.nodes[it->second];
    if (step.kind != NodeKind::kStep) {
      AddUnsupported(b, process_id_, "a timer on something that is not a task");
      return Ok();
    }
    std::string text = Trimmed(TextOf(duration));
    auto limit = ParseStepLimit(text);
    if (!limit.ok()) {
      Error e = limit.error();
      e.message = "boundary event '" + id + "' (line " + std::to_string(LineOf(b)) +
                  ") on step '" + step.id + "': " + e.message;
      e.field = id;
      return e;
    }
    if (step.limit) {
      AddUnsupported(b, process_id_, "a second timer on step '" + step.id + "': a step has one limit");
      return Ok();
    }
    step.limit = *limit;
    return Ok();
  }

  // Lanes: which lanes each flow node lies in, outermost first.
  Status ReadLanes(pugi::xml_node process) {
    for (pugi::xml_node c : process.children()) {
      if (IsBpmn(c) && LocalName(c) == "laneSet") {
        std::vector<pugi::xml_node> chain;
        if (Status s = ReadLaneSet(c, chain, 0); !s.ok()) return s;
      }
    }
    return Ok();
  }

  Status ReadLaneSet(pugi::xml_node set, std::vector<pugi::xml_node>& chain, int depth) {
    if (depth > kMaxLaneDepth) {
      return Invalid("flow.bpmn_not_bpmn", "lanes nested deeper than " +
                                               std::to_string(kMaxLaneDepth) + " levels (line " +
                                               std::to_string(LineOf(set)) + ")");
    }
    for (pugi::xml_node lane : set.children()) {
      if (!IsBpmn(lane) || LocalName(lane) != "lane") continue;
      chain.push_back(lane);
      // Parents are read before children, so the innermost lane is recorded last and wins.
      for (pugi::xml_node ref : lane.children()) {
        if (IsBpmn(ref) && LocalName(ref) == "flowNodeRef") lanes_of_[Ref(TextOf(ref))] = chain;
      }
      for (pugi::xml_node child : lane.children()) {
        if (IsBpmn(child) && LocalName(child) == "childLaneSet") {
          if (Status s = ReadLaneSet(child, chain, depth + 1); !s.ok()) return s;
        }
      }
      chain.pop_back();
    }
    return Ok();
  }

  void AssignRoles() {
    std::optional<LaneTag> pool_tag;
    if (pool_) pool_tag = ParseLaneTag(pool_.attribute("name").value());
    for (Node& n : def_.nodes) {
      if (n.kind != NodeKind::kStep) continue;
      auto it = lanes_of_.find(n.id);
      std::vector<std::string> lane_roles;
      std::string department;
      if (it != lanes_of_.end()) {
        const auto& chain = it->second;
        const pugi::xml_node inner = chain.back();
        n.lane = Trimmed(inner.attribute("name").value());
        if (n.lane.empty()) n.lane = inner.attribute("id").value();
        for (auto l = chain.rbegin(); l != chain.rend(); ++l) {
          auto tag = ParseLaneTag(l->attribute("name").value());
          if (lane_roles.empty()) {
            if (tag && !tag->roles.empty()) {
              lane_roles = tag->roles;
            } else if (std::string id = l->attribute("id").value(); IsRoleId(id)) {
              lane_roles = {id};
            }
          }
          if (department.empty() && tag) department = tag->department;
        }
      }
      if (!lane_roles.empty()) n.roles = std::move(lane_roles);
      if (department.empty() && pool_tag) department = pool_tag->department;
      n.department_code = std::move(department);
    }
  }

  std::string_view xml_;
  std::vector<size_t> newlines_;
  pugi::xml_document doc_;
  std::string process_id_;
  pugi::xml_node pool_;
  FlowDefinition def_;
  std::map<std::string, size_t> node_at_;  // node id → index in def_.nodes
  std::map<std::string, int, std::less<>> lines_;  // element id → line
  std::set<std::string> sources_;         // sources of sequence flows
  std::map<std::string, std::vector<pugi::xml_node>> lanes_of_;
  std::vector<UnsupportedElement> unsupported_;
  std::vector<std::string> warnings_;
};

}  // namespace

Result<ImportResult> ImportBpmn(std::string_view xml) {
  // pugixml reports errors as values; only allocation failure throws. Adapter edge: convert.
  try {
    Importer importer(xml);
    return importer.Run();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "flow.bpmn_not_xml",
                     std::string("the BPMN file could not be read: ") + e.what());
  }
}

}  // namespace xn::flow
