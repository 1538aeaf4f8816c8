#include "domain/flow/flow.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace xn::flow {
namespace {

Node Step(std::string id, std::string role = "clerk") {
  Node n;
  n.id = std::move(id);
  n.kind = NodeKind::kStep;
  n.name = n.id;
  n.roles = {std::move(role)};
  return n;
}
Node Of(std::string id, NodeKind kind) {
  Node n;
  n.id = std::move(id);
  n.kind = kind;
  return n;
}
SequenceFlow Edge(std::string id, std::string from, std::string to, std::string cond = "") {
  return SequenceFlow{.id = std::move(id), .source = std::move(from), .target = std::move(to),
                      .condition = std::move(cond)};
}

Flow MustBuild(FlowDefinition def) {
  auto f = Flow::Build(std::move(def));
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
  return std::move(f).value();
}

// 受理 → 审核 → 审批 → 办结
FlowDefinition Sequence() {
  return {.id = "seq",
          .nodes = {Of("start", NodeKind::kStartEvent), Step("accept"), Step("review", "reviewer"),
                    Step("approve", "approver"), Of("end", NodeKind::kEndEvent)},
          .flows = {Edge("f1", "start", "accept"), Edge("f2", "accept", "review"),
                    Edge("f3", "review", "approve"), Edge("f4", "approve", "end")}};
}

// 受理 → split → (住建 review, 自然资源 review) → join → 审批 → end
FlowDefinition Joint() {
  return {.id = "joint",
          .nodes = {Of("start", NodeKind::kStartEvent), Step("accept"),
                    Of("split", NodeKind::kParallelGateway), Step("review_zj", "reviewer"),
                    Step("review_zr", "reviewer"), Of("join", NodeKind::kParallelGateway),
                    Step("approve", "approver"), Of("end", NodeKind::kEndEvent)},
          .flows = {Edge("f1", "start", "accept"), Edge("f2", "accept", "split"),
                    Edge("f3", "split", "review_zj"), Edge("f4", "split", "review_zr"),
                    Edge("f5", "review_zj", "join"), Edge("f6", "review_zr", "join"),
                    Edge("f7", "join", "approve"), Edge("f8", "approve", "end")}};
}

// 审核 → xor: investment >= 50000000 → 市级审批; < → 县级审批; unconditioned "退回" → accept.
FlowDefinition Exclusive() {
  Node gw = Of("gw", NodeKind::kExclusiveGateway);
  return {.id = "xor",
          .nodes = {Of("start", NodeKind::kStartEvent), Step("accept"), Step("review", "reviewer"),
                    gw, Step("city", "approver"), Step("county", "approver"),
                    Of("end", NodeKind::kEndEvent)},
          .flows = {Edge("f1", "start", "accept"), Edge("f2", "accept", "review"),
                    Edge("f3", "review", "gw"),
                    Edge("big", "gw", "city", "${investment >= 50000000}"),
                    Edge("small", "gw", "county", "investment < 50000000"),
                    Edge("back", "gw", "accept"), Edge("f4", "city", "end"),
                    Edge("f5", "county", "end")}};
}

TEST(FlowTest, SequenceRunsToTheEnd) {
  Flow f = MustBuild(Sequence());
  auto a = Start(f, {});
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->activated, std::vector<std::string>{"accept"});
  EXPECT_EQ(a->taken, std::vector<std::string>{"f1"});
  TokenState st = a->state;
  for (const char* step : {"accept", "review", "approve"}) {
    auto next = Complete(f, st, step, {});
    ASSERT_TRUE(next.ok()) << next.error().message;
    st = next->state;
  }
  EXPECT_TRUE(st.ended);
  EXPECT_TRUE(st.active.empty());
  EXPECT_EQ(SerializeState(st), "1|end");
}

TEST(FlowTest, CompletingAStepThatIsNotActiveIsRefused) {
  Flow f = MustBuild(Sequence());
  TokenState st = Start(f, {})->state;
  auto r = Complete(f, st, "review", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "flow.step_not_active");
  EXPECT_EQ(Complete(f, st, "nonexistent", {}).error().code, "flow.step_not_active");
  TokenState ended{.ended = true};
  EXPECT_EQ(Complete(f, ended, "accept", {}).error().code, "flow.ended");
}

TEST(FlowTest, ParallelSplitActivatesAllAndJoinWaitsForAll) {
  Flow f = MustBuild(Joint());
  TokenState st = Start(f, {})->state;
  auto split = Complete(f, st, "accept", {});
  ASSERT_TRUE(split.ok()) << split.error().message;
  EXPECT_EQ(split->activated, (std::vector<std::string>{"review_zj", "review_zr"}));
  EXPECT_EQ(split->state.active, (std::vector<std::string>{"review_zj", "review_zr"}));

  auto one = Complete(f, split->state, "review_zr", {});
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->activated.empty());
  EXPECT_EQ(one->state.active, std::vector<std::string>{"review_zj"});
  ASSERT_EQ(one->state.waiting.count("join"), 1u);
  EXPECT_EQ(SerializeState(one->state), "1|a=review_zj|w=join:f6*1");
  EXPECT_FALSE(one->ended);

  // The same branch cannot finish twice.
  EXPECT_EQ(Complete(f, one->state, "review_zr", {}).error().code, "flow.step_not_active");

  auto both = Complete(f, one->state, "review_zj", {});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->activated, std::vector<std::string>{"approve"});
  EXPECT_TRUE(both->state.waiting.empty());
  auto done = Complete(f, both->state, "approve", {});
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->ended);
}

struct BranchCase {
  const char* name;
  CaseData data;
  std::optional<std::string> chosen;
  const char* want_step;   // nullptr: an error
  const char* want_error;
};

TEST(FlowTest, ExclusiveGatewayByConditionAndByChoice) {
  Flow f = MustBuild(Exclusive());
  const std::vector<BranchCase> cases = {
      {"big project", {{"investment", 80000000.0}}, std::nullopt, "city", nullptr},
      {"small project", {{"investment", 1200000.0}}, std::nullopt, "county", nullptr},
      {"numeric string", {{"investment", std::string("50000000")}}, std::nullopt, "city", nullptr},
      {"missing field", {}, std::nullopt, nullptr, "flow.condition_field_missing"},
      {"non-numeric", {{"investment", std::string("很多")}}, std::nullopt, nullptr,
       "flow.condition_type"},
      {"sent back by choice: two matches", {{"investment", 1.0}}, "back", nullptr,
       "flow.ambiguous_branch"},
      {"unknown choice", {{"investment", 1.0}}, "nope", nullptr, "flow.bad_choice"},
  };
  for (const BranchCase& c : cases) {
    TokenState st = Complete(f, Start(f, {})->state, "accept", {})->state;
    auto r = Complete(f, st, "review", c.data, c.chosen);
    if (c.want_step) {
      ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().message;
      EXPECT_EQ(r->activated, std::vector<std::string>{c.want_step}) << c.name;
    } else {
      ASSERT_FALSE(r.ok()) << c.name;
      EXPECT_EQ(r.error().code, c.want_error) << c.name << ": " << r.error().message;
      if (std::string(c.want_error) != "flow.bad_choice") {
        EXPECT_NE(r.error().message.find("gw"), std::string::npos) << r.error().message;
      }
    }
  }
}

// A gateway whose branches have no conditions: the person acting chooses.
TEST(FlowTest, ExclusiveGatewayChosenByThePersonActing) {
  FlowDefinition def = Sequence();
  def.nodes.push_back(Of("gw", NodeKind::kExclusiveGateway));
  def.nodes.push_back(Of("refused", NodeKind::kEndEvent));
  def.flows[2] = Edge("f3", "review", "gw");
  def.flows.push_back(Edge("pass", "gw", "approve"));
  def.flows.push_back(Edge("refuse", "gw", "refused"));
  Flow f = MustBuild(def);
  TokenState st = Complete(f, Start(f, {})->state, "accept", {})->state;

  auto choices = Choices(f, "review");
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0]->id, "pass");

  auto none = Complete(f, st, "review", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "flow.no_branch");
  EXPECT_NE(none.error().message.find("pass"), std::string::npos);
  EXPECT_NE(none.error().message.find("refuse"), std::string::npos);

  auto refused = Complete(f, st, "review", {}, "refuse");
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_TRUE(refused->ended);
  auto passed = Complete(f, st, "review", {}, "pass");
  ASSERT_TRUE(passed.ok());
  EXPECT_EQ(passed->activated, std::vector<std::string>{"approve"});
}

TEST(FlowTest, DefaultFlowWhenNoConditionMatches) {
  FlowDefinition def = Exclusive();
  def.flows.erase(def.flows.begin() + 4);  // "small" and the county step
  def.flows.pop_back();
  def.nodes.erase(def.nodes.begin() + 5);
  def.nodes[3].default_flow = "back";
  Flow f = MustBuild(def);
  TokenState st = Complete(f, Start(f, {})->state, "accept", {})->state;
  auto r = Complete(f, st, "review", {{"investment", 10.0}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->activated, std::vector<std::string>{"accept"});
}

TEST(FlowTest, TerminateEndDiscardsOtherTokens) {
  FlowDefinition def = Joint();
  // review_zr may end everything (e.g. a refusal that stops the joint handling).
  def.nodes.push_back(Of("gw", NodeKind::kExclusiveGateway));
  Node stop = Of("stop", NodeKind::kEndEvent);
  stop.terminate = true;
  def.nodes.push_back(stop);
  def.flows[5] = Edge("f6", "review_zr", "gw");
  def.flows.push_back(Edge("ok", "gw", "join", "passed == true"));
  def.flows.push_back(Edge("no", "gw", "stop", "passed == false"));
  Flow f = MustBuild(def);
  TokenState st = Complete(f, Start(f, {})->state, "accept", {})->state;
  auto r = Complete(f, st, "review_zr", {{"passed", false}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->ended);
  EXPECT_TRUE(r->state.active.empty());
}

struct InvalidCase {
  const char* name;
  std::function<void(FlowDefinition&)> edit;
  const char* code;
  const char* field;
};

TEST(FlowTest, ValidationNamesTheElement) {
  const std::vector<InvalidCase> cases = {
      {"no start", [](FlowDefinition& d) { d.nodes[0].kind = NodeKind::kStep; d.nodes[0].id = "x";
                                            d.flows[0].source = "x"; },
       "flow.no_start", ""},
      {"two starts",
       [](FlowDefinition& d) { d.nodes.push_back(Of("s2", NodeKind::kStartEvent)); },
       "flow.no_start", ""},
      {"no end", [](FlowDefinition& d) { d.nodes[4].kind = NodeKind::kStep; }, "flow.no_end", ""},
      {"duplicate id", [](FlowDefinition& d) { d.nodes[2].id = "accept"; }, "flow.bad_id",
       "accept"},
      {"reserved character", [](FlowDefinition& d) { d.flows[0].id = "a|b"; }, "flow.bad_id",
       "a|b"},
      {"dangling", [](FlowDefinition& d) { d.flows[1].target = "ghost"; }, "flow.dangling_ref",
       "f2"},
      {"unreachable", [](FlowDefinition& d) {
         d.nodes.push_back(Step("orphan"));
         d.flows.push_back(Edge("fo", "orphan", "end"));
       }, "flow.unreachable", "orphan"},
      {"step without a way out", [](FlowDefinition& d) { d.flows.pop_back(); }, "flow.bad_node",
       "approve"},
      {"condition on a step's flow", [](FlowDefinition& d) { d.flows[1].condition = "a > 1"; },
       "flow.bad_condition", "f2"},
      {"condition does not parse", [](FlowDefinition& d) {
         d.nodes.push_back(Of("g", NodeKind::kExclusiveGateway));
         d.flows[1].target = "g";
         d.flows.push_back(Edge("fg1", "g", "review", "amount >"));
         d.flows.push_back(Edge("fg2", "g", "approve"));
       }, "flow.bad_condition", "fg1"},
      {"loop without an end", [](FlowDefinition& d) {
         d.nodes.push_back(Step("spin"));
         d.nodes.push_back(Of("g", NodeKind::kExclusiveGateway));
         d.flows[3].target = "g";  // approve → g
         d.flows.push_back(Edge("g1", "g", "end"));
         d.flows.push_back(Edge("g2", "g", "spin"));
         d.flows.push_back(Edge("s1", "spin", "spin2"));
         d.nodes.push_back(Step("spin2"));
         d.flows.push_back(Edge("s2", "spin2", "spin"));
       }, "flow.no_way_out", "spin"},
  };
  for (const InvalidCase& c : cases) {
    FlowDefinition def = Sequence();
    c.edit(def);
    auto f = Flow::Build(def);
    ASSERT_FALSE(f.ok()) << c.name;
    EXPECT_EQ(f.error().code, c.code) << c.name << ": " << f.error().message;
    if (*c.field) {
      EXPECT_EQ(f.error().field, c.field) << c.name << ": " << f.error().message;
    }
  }
}

TEST(FlowTest, ParallelJoinAfterAnExclusiveChoiceIsUnsound) {
  // xor split → A / B → parallel "join": the join would wait forever.
  FlowDefinition def{
      .id = "bad",
      .nodes = {Of("start", NodeKind::kStartEvent), Step("accept"),
                Of("x", NodeKind::kExclusiveGateway), Step("a"), Step("b"),
                Of("join", NodeKind::kParallelGateway), Of("end", NodeKind::kEndEvent)},
      .flows = {Edge("f1", "start", "accept"), Edge("f2", "accept", "x"), Edge("f3", "x", "a"),
                Edge("f4", "x", "b"), Edge("f5", "a", "join"), Edge("f6", "b", "join"),
                Edge("f7", "join", "end")}};
  auto f = Flow::Build(def);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "flow.unsound");
  EXPECT_EQ(f.error().field, "join");

  // parallel split → A / B → exclusive merge: two tokens reach the next step.
  def.nodes[2].kind = NodeKind::kParallelGateway;
  def.nodes[5].kind = NodeKind::kExclusiveGateway;
  auto g = Flow::Build(def);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, "flow.unsound") << g.error().message;
}

TEST(FlowTest, StateSerialisationRoundTrips) {
  TokenState st{.active = {"a", "b", "b"}, .waiting = {{"j", {{"f1", 1}, {"f2", 2}}}}};
  std::string text = SerializeState(st);
  EXPECT_EQ(text, "1|a=a,b,b|w=j:f1*1,f2*2");
  auto back = ParseState(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, st);
  auto ended = ParseState("1|end");
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(ended->ended);
  for (const char* bad : {"", "2|a=x", "1", "1|a=", "1|a=b,a", "1|w=j:f*0", "1|w=:f*1",
                          "1|w=j:f1*1,f1*1", "1|x=1", "1|w=j:*1", "1|a=x|a=y"}) {
    EXPECT_FALSE(ParseState(bad).ok()) << bad;
  }
}

struct ConditionCase {
  const char* text;
  CaseData data;
  std::optional<bool> want;  // nullopt: an evaluation error
};

TEST(FlowTest, ConditionLanguage) {
  const CaseData d = {{"investment", 60000000.0},
                      {"type", std::string("企业")},
                      {"urgent", true},
                      {"投资额", 100.0},
                      {"applicant.kind", std::string("legal")},
                      {"date", std::string("2024-05-01")},
                      {"flag", std::string("true")}};
  const std::vector<ConditionCase> cases = {
      {"investment >= 50000000", d, true},
      {"${investment > 1000}", d, true},
      {"#{investment < 1000}", d, false},
      {"=investment = 60000000", d, true},
      {"type == \"企业\"", d, true},
      {"type != '企业'", d, false},
      {"urgent", d, true},
      {"!urgent || type == \"个人\"", d, false},
      {"not urgent or investment gt 5", d, true},
      {"(investment > 1 && urgent) && !(type == 'x')", d, true},
      {"投资额 <= 100", d, true},
      {"applicant.kind == \"legal\"", d, true},
      {"date < \"2024-06-01\"", d, true},
      {"flag && urgent", d, true},
      {"urgent == true", d, true},
      {"type == 5", d, false},
      {"type != 5", d, true},
      {"type > 5", d, std::nullopt},
      {"investment", d, std::nullopt},
      {"missing > 1", d, std::nullopt},
      {"urgent || missing > 1", d, true},
      {"-1 < 0.5", d, true},
  };
  for (const ConditionCase& c : cases) {
    auto cond = Condition::Parse(c.text);
    ASSERT_TRUE(cond.ok()) << c.text << ": " << cond.error().message;
    auto r = cond->Evaluate(c.data);
    if (c.want) {
      ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().message;
      EXPECT_EQ(*r, *c.want) << c.text;
    } else {
      EXPECT_FALSE(r.ok()) << c.text;
    }
  }
  for (const char* bad : {"", "${}", "a >", "a > > b", "(a > 1", "a > 1)", "'open", "and",
                          "a == 1 b", "1.2.3 > a", "a @ b"}) {
    EXPECT_FALSE(Condition::Parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(Condition::Parse(std::string(100, '(') + "a" + std::string(100, ')')).ok());
  EXPECT_FALSE(Condition::Parse(std::string(10000, '!') + "a").ok());
  EXPECT_EQ(Condition::Parse("b > 1 && a < 2 || b == 3")->Fields(),
            (std::vector<std::string>{"a", "b"}));
}

TEST(FlowTest, StepLimits) {
  EXPECT_EQ(FormatStepLimit(*ParseStepLimit("P5D")), "P5D");
  EXPECT_EQ(DescribeStepLimit(*ParseStepLimit("P5D")), "5 working days");
  EXPECT_EQ(FormatStepLimit(*ParseStepLimit("PT4H")), "PT4H");
  EXPECT_EQ(FormatStepLimit(*ParseStepLimit("P2W")), "P10D");
  EXPECT_EQ(FormatStepLimit(*ParseStepLimit(" PT120M ")), "PT2H");
  for (const char* bad : {"", "P", "5D", "P0D", "P1M", "P1Y", "PT30M", "PT1S", "P1DT2H",
                          "P-1D", "P99999D", "${limit}", "PTH"}) {
    EXPECT_FALSE(ParseStepLimit(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace xn::flow
