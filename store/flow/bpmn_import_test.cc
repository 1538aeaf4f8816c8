#include "store/flow/bpmn_import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace xn::flow {
namespace {

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(XN_TEST_DATA_DIR) + "/store/flow/testdata/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name << " missing";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "id|name|role,role|department|limit" for one step.
std::string Summary(const Node& n) {
  std::string roles;
  for (const std::string& r : n.roles) roles += (roles.empty() ? "" : ",") + r;
  return n.id + "|" + n.name + "|" + roles + "|" + n.department_code + "|" +
         (n.limit ? FormatStepLimit(*n.limit) : "-");
}

struct GoldenFlow {
  const char* file;
  const char* process_id;
  std::vector<std::string> steps;  // Summary() of each step, in file order
  int exclusive_gateways;
  int parallel_gateways;
  int flows;
};

TEST(BpmnImportTest, GoldenFilesImport) {
  const std::vector<GoldenFlow> cases = {
      {"bpmnio_sequence.bpmn", "Process_food_licence",
       {"Activity_accept|受理|clerk|SCJG|-", "Activity_review|审核|reviewer|SCJG|P5D",
        "Activity_approve|审批|approver|SCJG|P3D", "Activity_conclude|办结|clerk|SCJG|-"},
       0, 0, 5},
      {"camunda7_investment.bpmn", "investment_filing",
       {"accept|窗口受理|clerk||-", "review|发改科室审核|reviewer||P7D",
        "approve_city|市发改委审批|approver,city-approver||P10D",
        "approve_county|县发改局审批|approver||-"},
       2, 0, 9},
      {"camunda8_joint.bpmn", "construction_joint",
       {"Task_accept|联办受理|clerk|FWZX|PT4H", "Task_review_zjj|住建局审查|reviewer|ZJJ|P5D",
        "Task_review_zrzy|自然资源局审查|reviewer|ZRZY|P5D", "Task_issue|制证出件|clerk|FWZX|-",
        "Task_refuse|出具不予许可决定书|clerk|FWZX|-"},
       1, 2, 11},
      {"signavio_default_ns.bpmn", "sid-0b1e4c9d-8f3a-4b62-a7c1-5e9f0d2b3c44",
       {"sid-ACCEPT|材料核验|clerk||-", "sid-REGISTER|核准登记|clerk||-"}, 1, 0, 5},
      {"signavio_semantic.bpmn", "_6-1",
       {"_6-74|受理|clerk|CGJ|-", "_6-127|审查决定|reviewer,approver|CGJ|P10D"}, 0, 0, 3},
      {"activiti_bpmn2.bpmn", "drainage_permit",
       {"usertask_accept|受理|clerk||-", "usertask_inspect|现场核查|inspector||PT48H",
        "usertask_approve|审批|approver||-", "usertask_refuse|不予许可告知|clerk||-"},
       1, 0, 7},
      {"nested_lanes.bpmn", "Process_permit",
       {"Activity_accept|受理|clerk|ZJJ-330102|-", "Activity_review|审核|reviewer|JGK|P3D",
        "Activity_approve|审批|approver,deputy-director|JGK|-",
        "Activity_deliver|送达|deliverer|ZJJ-330102|-"},
       0, 0, 5},
  };
  for (const GoldenFlow& c : cases) {
    SCOPED_TRACE(c.file);
    auto r = ImportBpmn(ReadTestFile(c.file));
    ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    for (const UnsupportedElement& u : r->unsupported) {
      ADD_FAILURE() << "unsupported " << u.element << " " << u.id << ": " << u.reason;
    }
    ASSERT_TRUE(r->flow.has_value());
    const Flow& f = *r->flow;
    EXPECT_EQ(f.id(), c.process_id);
    std::vector<std::string> steps;
    int xor_count = 0, and_count = 0;
    for (const Node& n : f.nodes()) {
      if (n.kind == NodeKind::kStep) steps.push_back(Summary(n));
      if (n.kind == NodeKind::kExclusiveGateway) ++xor_count;
      if (n.kind == NodeKind::kParallelGateway) ++and_count;
    }
    EXPECT_EQ(steps, c.steps);
    EXPECT_EQ(xor_count, c.exclusive_gateways);
    EXPECT_EQ(and_count, c.parallel_gateways);
    EXPECT_EQ(static_cast<int>(f.flows().size()), c.flows);
    EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
  }
}

TEST(BpmnImportTest, DetailsKept) {
  auto r = ImportBpmn(ReadTestFile("bpmnio_sequence.bpmn"));
  ASSERT_TRUE(r.ok() && r->flow);
  const Flow& f = *r->flow;
  EXPECT_EQ(f.name(), "食品经营许可（新办）");
  EXPECT_NE(f.description().find("受理、审核"), std::string::npos);
  EXPECT_EQ(f.FindNode("Activity_accept")->description, "核对申请材料是否齐全、符合法定形式。");
  EXPECT_EQ(f.FindNode("Activity_review")->lane, "科室审核（reviewer）");

  auto c7 = ImportBpmn(ReadTestFile("camunda7_investment.bpmn"));
  ASSERT_TRUE(c7.ok() && c7->flow);
  EXPECT_EQ(c7->flow->FindNode("Gateway_scale")->default_flow, "Flow_county");
  ASSERT_NE(c7->flow->ConditionOf("Flow_city"), nullptr);
  EXPECT_EQ(c7->flow->ConditionOf("Flow_city")->text(),
            "${investment >= 50000000 && materials_ok == true}");

  auto sem = ImportBpmn(ReadTestFile("signavio_semantic.bpmn"));
  ASSERT_TRUE(sem.ok() && sem->flow);
  EXPECT_TRUE(sem->flow->FindNode("_6-400")->terminate);
}

// The imported flows run: the investment flow by condition, the joint flow in parallel.
TEST(BpmnImportTest, ImportedFlowsRun) {
  auto c7 = ImportBpmn(ReadTestFile("camunda7_investment.bpmn"));
  ASSERT_TRUE(c7.ok() && c7->flow);
  const Flow& inv = *c7->flow;
  auto st = Start(inv, {});
  ASSERT_TRUE(st.ok());
  st = Complete(inv, st->state, "accept", {});
  ASSERT_TRUE(st.ok());
  CaseData big = {{"investment", 60000000.0}, {"materials_ok", true}};
  auto city = Complete(inv, st->state, "review", big);
  ASSERT_TRUE(city.ok()) << city.error().message;
  EXPECT_EQ(city->activated, std::vector<std::string>{"approve_city"});
  auto merged = Complete(inv, city->state, "approve_city", big);  // through the exclusive merge
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_TRUE(merged->ended);
  EXPECT_EQ(merged->taken, (std::vector<std::string>{"Flow_4", "Flow_6"}));
  CaseData small = {{"investment", 3000000.0}, {"materials_ok", true}};
  auto county = Complete(inv, st->state, "review", small);
  ASSERT_TRUE(county.ok()) << county.error().message;
  EXPECT_EQ(county->activated, std::vector<std::string>{"approve_county"});
  CaseData bad = {{"investment", 3000000.0}, {"materials_ok", false}};
  auto back = Complete(inv, st->state, "review", bad);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->activated, std::vector<std::string>{"accept"});

  auto c8 = ImportBpmn(ReadTestFile("camunda8_joint.bpmn"));
  ASSERT_TRUE(c8.ok() && c8->flow);
  const Flow& joint = *c8->flow;
  auto a = Complete(joint, Start(joint, {})->state, "Task_accept", {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->state.active,
            (std::vector<std::string>{"Task_review_zjj", "Task_review_zrzy"}));
  auto b = Complete(joint, a->state, "Task_review_zjj", {});
  ASSERT_TRUE(b.ok());
  CaseData opinions = {{"zjj_opinion", std::string("同意")}, {"zrzy_opinion", std::string("同意")}};
  auto c = Complete(joint, b->state, "Task_review_zrzy", opinions);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->activated, std::vector<std::string>{"Task_issue"});
  auto d = Complete(joint, c->state, "Task_issue", opinions);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->ended);
}

struct Expected {
  const char* element;
  const char* id;
  int line;
};

TEST(BpmnImportTest, UnsupportedElementsAreListed) {
  struct Case {
    const char* file;
    std::vector<Expected> unsupported;
  };
  const std::vector<Case> cases = {
      {"unsupported.bpmn",
       {{"serviceTask", "Check_credit", 12},
        {"inclusiveGateway", "Gateway_reviews", 16},
        {"inclusiveGateway", "Gateway_reviews_join", 29},
        {"intermediateCatchEvent", "Wait_fee", 34},
        {"boundaryEvent", "Escalate", 43}}},
      {"two_pools.bpmn",
       {{"participant", "Participant_applicant", 4}, {"messageFlow", "MessageFlow_submit", 6}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    auto r = ImportBpmn(ReadTestFile(c.file));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->flow.has_value());
    ASSERT_EQ(r->unsupported.size(), c.unsupported.size());
    for (size_t i = 0; i < c.unsupported.size(); ++i) {
      const UnsupportedElement& u = r->unsupported[i];
      EXPECT_EQ(u.element, c.unsupported[i].element);
      EXPECT_EQ(u.id, c.unsupported[i].id);
      EXPECT_EQ(u.line, c.unsupported[i].line) << u.id;
      EXPECT_FALSE(u.reason.empty());
    }
  }
  auto r = ImportBpmn(ReadTestFile("unsupported.bpmn"));
  EXPECT_EQ(r->unsupported[0].process_id, "Process_mixed");
  EXPECT_EQ(r->unsupported[0].name, "信用核查");
}

std::string Wrap(const std::string& process_body) {
  return "<?xml version=\"1.0\"?>\n"
         "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"d\">\n"
         "<process id=\"p\">\n" + process_body + "</process>\n</definitions>\n";
}

const char* kMinimal =
    "<startEvent id=\"s\"/><task id=\"t\" name=\"受理\"/><endEvent id=\"e\"/>"
    "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"t\"/>"
    "<sequenceFlow id=\"f2\" sourceRef=\"t\" targetRef=\"e\"/>";

TEST(BpmnImportTest, ErrorsNameTheElement) {
  struct Case {
    const char* name;
    std::string xml;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"empty", "", "flow.bpmn_not_xml"},
      {"blank", "  \n ", "flow.bpmn_not_xml"},
      {"not xml", "hello, world", "flow.bpmn_not_xml"},
      {"json", "{\"process\": []}", "flow.bpmn_not_xml"},
      {"other xml", "<html><body/></html>", "flow.bpmn_not_bpmn"},
      {"wrong namespace",
       "<definitions xmlns=\"http://example.com/not-bpmn\"><process id=\"p\"/></definitions>",
       "flow.bpmn_not_bpmn"},
      {"no process", "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>",
       "flow.bpmn_no_process"},
      {"missing id", Wrap("<startEvent/><endEvent id=\"e\"/>"), "flow.bpmn_missing_id"},
      {"dangling", Wrap("<startEvent id=\"s\"/><endEvent id=\"e\"/>"
                        "<sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"ghost\"/>"),
       "flow.dangling_ref"},
      {"no target", Wrap("<startEvent id=\"s\"/><endEvent id=\"e\"/>"
                         "<sequenceFlow id=\"f\" sourceRef=\"s\"/>"),
       "flow.bpmn_dangling_ref"},
      {"cycle without end",
       Wrap("<startEvent id=\"s\"/><task id=\"a\"/><task id=\"b\"/><endEvent id=\"e\"/>"
            "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"a\"/>"
            "<sequenceFlow id=\"f2\" sourceRef=\"a\" targetRef=\"b\"/>"
            "<sequenceFlow id=\"f3\" sourceRef=\"b\" targetRef=\"a\"/>"),
       "flow.no_way_out"},
      {"duplicate id", Wrap(std::string(kMinimal) + "<task id=\"t\"/>"), "flow.bad_id"},
      {"bad condition",
       Wrap("<startEvent id=\"s\"/><exclusiveGateway id=\"g\"/><endEvent id=\"e\"/>"
            "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"g\"/>"
            "<sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"e\">"
            "<conditionExpression>${amount &gt;}</conditionExpression></sequenceFlow>"),
       "flow.bad_condition"},
      {"bad timer", Wrap(std::string(kMinimal) +
                         "<boundaryEvent id=\"b\" attachedToRef=\"t\"><timerEventDefinition>"
                         "<timeDuration>P1M</timeDuration></timerEventDefinition></boundaryEvent>"),
       "flow.bad_duration"},
      {"timer on nothing", Wrap(std::string(kMinimal) +
                                "<boundaryEvent id=\"b\" attachedToRef=\"zz\"><timerEventDefinition>"
                                "<timeDuration>P1D</timeDuration></timerEventDefinition>"
                                "</boundaryEvent>"),
       "flow.bpmn_dangling_ref"},
      {"too large", std::string(kMaxBpmnBytes + 1, ' '), "flow.bpmn_too_large"},
  };
  for (const Case& c : cases) {
    auto r = ImportBpmn(c.xml);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().message;
  }
  // The line of the offending element is in the message.
  auto dup = ImportBpmn(Wrap("<startEvent id=\"s\"/>\n<task id=\"t\"/>\n<endEvent id=\"e\"/>\n"
                             "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"t\"/>\n"
                             "<sequenceFlow id=\"f2\" sourceRef=\"t\" targetRef=\"e\"/>\n"
                             "<task id=\"x\" name=\"孤立\"/>\n"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().field, "x");
  EXPECT_NE(dup.error().message.find("line 9"), std::string::npos) << dup.error().message;

  auto minimal = ImportBpmn(Wrap(kMinimal));
  ASSERT_TRUE(minimal.ok()) << minimal.error().message;
  ASSERT_EQ(minimal->warnings.size(), 1u);  // the step has no role
}

// No input, however malformed, may crash the import.
TEST(BpmnImportTest, MalformedInputsNeverCrash) {
  std::vector<std::string> inputs;
  const char* files[] = {"bpmnio_sequence.bpmn", "camunda7_investment.bpmn",
                         "camunda8_joint.bpmn",  "signavio_default_ns.bpmn",
                         "signavio_semantic.bpmn", "activiti_bpmn2.bpmn",
                         "nested_lanes.bpmn",    "unsupported.bpmn", "two_pools.bpmn"};
  std::mt19937 rng(20240501);
  for (const char* name : files) {
    std::string text = ReadTestFile(name);
    // Every truncation point of the first file, a sample of the others.
    const size_t step = inputs.empty() ? 1 : 97;
    for (size_t n = 0; n < text.size(); n += step) inputs.push_back(text.substr(0, n));
    // Random byte flips.
    for (int i = 0; i < 200; ++i) {
      std::string t = text;
      for (int k = 0; k < 8; ++k) t[rng() % t.size()] = static_cast<char>(rng() & 0xff);
      inputs.push_back(std::move(t));
    }
    // Attributes removed: ids, references.
    for (const char* attr : {"id=", "sourceRef=", "targetRef=", "attachedToRef=", "processRef="}) {
      std::string t = text;
      for (size_t p; (p = t.find(attr)) != std::string::npos;) t.replace(p, 3, "xx");
      inputs.push_back(t);
    }
  }
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng() & 0xff);
    inputs.push_back(std::move(junk));
  }
  // Deep nesting: elements, lanes, and parentheses in a condition.
  std::string deep = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">"
                     "<process id=\"p\">";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  inputs.push_back(deep);
  std::string lanes = "<laneSet id=\"ls\">";
  for (int i = 0; i < 2000; ++i) lanes += "<lane id=\"l" + std::to_string(i) + "\"><childLaneSet>";
  for (int i = 0; i < 2000; ++i) lanes += "</childLaneSet></lane>";
  inputs.push_back(Wrap(lanes + "</laneSet>" + kMinimal));
  inputs.push_back(Wrap(std::string(kMinimal) +
                        "<exclusiveGateway id=\"g\"/><sequenceFlow id=\"c\" sourceRef=\"g\" "
                        "targetRef=\"e\"><conditionExpression>" +
                        std::string(100000, '(') + "</conditionExpression></sequenceFlow>"));
  // Gateway-only cycles and self-loops.
  inputs.push_back(Wrap("<startEvent id=\"s\"/><exclusiveGateway id=\"g\"/>"
                        "<exclusiveGateway id=\"h\"/><endEvent id=\"e\"/>"
                        "<sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"g\"/>"
                        "<sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"h\"/>"
                        "<sequenceFlow id=\"f3\" sourceRef=\"h\" targetRef=\"g\"/>"
                        "<sequenceFlow id=\"f4\" sourceRef=\"h\" targetRef=\"e\"/>"
                        "<sequenceFlow id=\"f5\" sourceRef=\"g\" targetRef=\"g\"/>"));
  inputs.push_back(std::string("\xEF\xBB\xBF") + Wrap(kMinimal));   // UTF-8 BOM
  inputs.push_back(std::string("\xFF\xFE<\0d\0", 6));                 // UTF-16 fragment

  size_t imported = 0;
  for (const std::string& in : inputs) {
    auto r = ImportBpmn(in);
    if (r.ok() && r->flow) ++imported;
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_GT(imported, 0u);  // the flips that miss anything meaningful still import
}

}  // namespace
}  // namespace xn::flow
