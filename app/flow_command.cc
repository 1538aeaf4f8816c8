// `xiaoneng flow check FILE.bpmn`: what a BPMN file would import as a fixed flow.
// The output is a contract other tools script against (docs/flows.md, "Command line").
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "app/commands.h"
#include "domain/flow/flow.h"
#include "store/flow/bpmn_import.h"

namespace xn::app {
namespace {

constexpr int kExitRefused = 1;  // unsupported elements, or a file that cannot be read or parsed

void PrintError(std::string_view file, std::string_view message) {
  std::fprintf(stderr, "xiaoneng flow check: %.*s: %.*s\n", static_cast<int>(file.size()),
               file.data(), static_cast<int>(message.size()), message.data());
}

// Reads at most kMaxBpmnBytes + 1 bytes, so that an oversized file is refused by the import
// without being read whole. "-" reads standard input.
Result<std::string> ReadInput(const std::string& path) {
  const size_t limit = flow::kMaxBpmnBytes + 1;
  std::string data;
  auto read_from = [&](std::FILE* f) {
    std::vector<char> buf(1 << 16);
    while (data.size() < limit) {
      size_t got = std::fread(buf.data(), 1, std::min(buf.size(), limit - data.size()), f);
      if (got == 0) break;
      data.append(buf.data(), got);
    }
    return std::ferror(f) == 0;
  };
  if (path == "-") {
    if (!read_from(stdin)) {
      return MakeError(ErrorCode::kInvalidArgument, "flow.read", "cannot read standard input");
    }
    return data;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return MakeError(ErrorCode::kInvalidArgument, "flow.read", "is a directory, not a file");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    return MakeError(ErrorCode::kNotFound, "flow.read",
                     "cannot open: " + std::error_code(errno, std::generic_category()).message());
  }
  if (!read_from(f.get())) {
    return MakeError(ErrorCode::kInvalidArgument, "flow.read", "cannot read the file");
  }
  return data;
}

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ",") + i;
  return s.empty() ? "-" : s;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

void PrintFlow(const flow::Flow& f) {
  std::printf("flow\t%s\t%s\n", f.id().c_str(), OrDash(f.name()).c_str());
  for (const flow::Node* n : f.Steps()) {
    std::string limit = n->limit ? flow::FormatStepLimit(*n->limit) + " (" +
                                       flow::DescribeStepLimit(*n->limit) + ")"
                                 : "-";
    std::printf("step\t%s\t%s\troles=%s\tdepartment=%s\tlimit=%s\n", n->id.c_str(),
                OrDash(n->name).c_str(), Join(n->roles).c_str(),
                OrDash(n->department_code).c_str(), limit.c_str());
  }
  int exclusive = 0, parallel = 0, conditions = 0, ends = 0;
  for (const flow::Node& n : f.nodes()) {
    if (n.kind == flow::NodeKind::kEndEvent) ++ends;
    if (n.kind != flow::NodeKind::kExclusiveGateway && n.kind != flow::NodeKind::kParallelGateway) {
      continue;
    }
    const bool is_exclusive = n.kind == flow::NodeKind::kExclusiveGateway;
    (is_exclusive ? exclusive : parallel)++;
    const size_t ins = f.Incoming(n.id).size(), outs = f.Outgoing(n.id).size();
    std::string shape = outs > 1 ? (ins > 1 ? "split+join" : "split") : "join";
    std::printf("gateway\t%s\t%s\t%s %s\n", n.id.c_str(), OrDash(n.name).c_str(),
                std::string(flow::NodeKindName(n.kind)).c_str(), shape.c_str());
    if (!is_exclusive || outs < 2) continue;
    for (const flow::SequenceFlow* sf : f.Outgoing(n.id)) {
      const flow::Condition* c = f.ConditionOf(sf->id);
      if (c) ++conditions;
      std::string how = c ? "if " + c->text()
                          : (sf->id == n.default_flow ? std::string("default")
                                                      : std::string("chosen by the person acting"));
      std::printf("branch\t%s\t%s -> %s\t%s\n", sf->id.c_str(), n.id.c_str(),
                  sf->target.c_str(), how.c_str());
    }
  }
  std::printf("summary\t%zu steps, %d exclusive gateways, %d parallel gateways, %d end events, "
              "%zu sequence flows, %d conditions\n",
              f.Steps().size(), exclusive, parallel, ends, f.flows().size(), conditions);
}

int RunCheck(const std::string& path) {
  auto data = ReadInput(path);
  if (!data.ok()) {
    PrintError(path, data.error().message);
    return kExitRefused;
  }
  auto imported = flow::ImportBpmn(*data);
  if (!imported.ok()) {
    PrintError(path, imported.error().message);
    return kExitRefused;
  }
  for (const std::string& w : imported->warnings) PrintError(path, "warning: " + w);
  if (!imported->unsupported.empty()) {
    for (const flow::UnsupportedElement& u : imported->unsupported) {
      std::printf("unsupported\t%s\t%s\t%s\tline %d\t%s\n", u.element.c_str(),
                  OrDash(u.id).c_str(), OrDash(u.name).c_str(), u.line, u.reason.c_str());
    }
    PrintError(path, std::to_string(imported->unsupported.size()) +
                         " unsupported element(s); the flow cannot be imported");
    return kExitRefused;
  }
  PrintFlow(*imported->flow);
  return 0;
}

}  // namespace

void AddFlowCommand(CLI::App& root, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* flow_cmd = root.add_subcommand("flow", "Fixed flows (docs/flows.md)");
  flow_cmd->require_subcommand(1);
  CLI::App* check = flow_cmd->add_subcommand(
      "check", "Print the steps a BPMN 2.0 file would import (exit 0), or each unsupported "
               "element with its id and line (exit 1)");
  check->add_option("file", *path, "The .bpmn file ('-' for standard input)")->required();
  check->callback([path, &exit_code] {
    // Adapter edge: nothing below should throw, but a bug must not crash the command.
    try {
      exit_code = RunCheck(*path);
    } catch (const std::exception& e) {
      PrintError(*path, std::string("internal error: ") + e.what());
      exit_code = kExitRefused;
    }
  });
}

}  // namespace xn::app
