// `xiaoneng supervise replay`: what a rule set would have raised over the stored history, as a
// table or JSON; writes nothing (docs/rules.md, "Replay").
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "app/build_calendar.h"
#include "app/commands.h"
#include "app/open_database.h"
#include "domain/calendar/calendar.h"
#include "domain/supervision/rules.h"
#include "store/identity/identity_store.h"
#include "store/supervision/replay.h"
#include "store/supervision/supervision_store.h"

namespace xn::app {
namespace {

namespace json = boost::json;
namespace sv = supervision;

struct ReplayFlags {
  std::string db;
  std::string rules_file;
  std::string from, to;
  std::string calendar_dir;
  bool json = false;
};

// The rule set to replay, and where it came from: --rules FILE, else the newest stored version,
// else the built-in file.
struct RulesText {
  std::string text;
  std::string source;  // "file", "stored", "builtin"
  std::string file;
  int64_t version = 0;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cli.rules", "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<RulesText> FindRules(const ReplayFlags& f, db::Database& db) {
  if (!f.rules_file.empty()) {
    auto text = ReadFile(f.rules_file);
    if (!text.ok()) return text.error();
    return RulesText{std::move(*text), "file", f.rules_file, 0};
  }
  store::SupervisionStore supervision(db);
  auto stored = supervision.CurrentRules();
  if (stored.ok()) return RulesText{stored->text, "stored", "", stored->version};
  if (stored.error().category != ErrorCode::kNotFound) return stored.error();
  auto text = ReadFile(DefaultRulesFile());
  if (!text.ok()) return text.error();
  return RulesText{std::move(*text), "builtin", DefaultRulesFile(), 0};
}

void PrintJson(const ReplayFlags& f, const RulesText& rules, const store::ReplayReport& r) {
  json::object out;
  json::object source{{"source", rules.source}};
  if (rules.source == "stored") source["version"] = rules.version;
  if (!rules.file.empty()) source["file"] = rules.file;
  out["rules"] = std::move(source);
  out["from"] = f.from;  // the days, both included
  out["to"] = f.to;
  out["head_seq"] = r.head_seq;
  out["events"] = r.events_scanned;
  out["events_in_window"] = r.events_in_window;
  out["cases"] = r.cases;
  out["alerts"] = r.alerts;
  out["not_yet_due"] = r.not_yet_due;
  out["evaluation_errors"] = r.evaluation_errors;
  json::array by_rule;
  for (const auto& x : r.by_rule) {
    by_rule.push_back(json::object{{"rule_id", x.rule_id}, {"rule_name", x.rule_name},
                                   {"count", x.count}});
  }
  out["by_rule"] = std::move(by_rule);
  json::array by_department;
  for (const auto& x : r.by_department) {
    by_department.push_back(json::object{{"department_id", x.department_id},
                                         {"department_name", x.department_name},
                                         {"count", x.count}});
  }
  out["by_department"] = std::move(by_department);
  json::array pairs;
  for (const auto& x : r.by_rule_department) {
    pairs.push_back(json::object{{"rule_id", x.rule_id}, {"department_id", x.department_id},
                                 {"count", x.count}});
  }
  out["by_rule_department"] = std::move(pairs);
  json::array skipped;
  for (const auto& x : r.not_replayed) {
    skipped.push_back(json::object{{"rule_id", x.rule_id}, {"rule_name", x.rule_name},
                                   {"reason", x.reason}});
  }
  out["not_replayed"] = std::move(skipped);
  out["elapsed_seconds"] = r.elapsed_seconds;
  out["events_per_second"] = r.events_per_second;
  std::cout << json::serialize(out) << "\n";
}

void PrintTable(const ReplayFlags& f, const RulesText& rules, const store::ReplayReport& r) {
  if (rules.source == "stored") {
    std::printf("rule set: stored version %lld\n", static_cast<long long>(rules.version));
  } else {
    std::printf("rule set: %s (%s)\n", rules.file.c_str(),
                rules.source == "builtin" ? "built-in" : "file");
  }
  std::printf("window: %s 00:00 to %s (Asia/Shanghai)\n", f.from.c_str(),
              sv::FormatMoment(r.to).c_str());
  std::printf("events: %lld scanned (up to seq %lld), %lld in the window; %lld cases\n",
              static_cast<long long>(r.events_scanned), static_cast<long long>(r.head_seq),
              static_cast<long long>(r.events_in_window), static_cast<long long>(r.cases));
  std::printf("alerts: %lld", static_cast<long long>(r.alerts));
  if (r.not_yet_due > 0) {
    std::printf(" (and %lld moments in the window not due yet)",
                static_cast<long long>(r.not_yet_due));
  }
  std::printf("\n");
  if (r.evaluation_errors > 0) {
    std::printf("evaluation errors (skipped, as the live engine skips them): %lld\n",
                static_cast<long long>(r.evaluation_errors));
  }
  std::printf("time: %.2f s, %.0f events/s\n", r.elapsed_seconds, r.events_per_second);

  std::printf("\nby rule\n");
  for (const auto& x : r.by_rule) {
    std::printf("  %-10s %8lld  %s\n", x.rule_id.c_str(), static_cast<long long>(x.count),
                x.rule_name.c_str());
  }
  std::printf("\nby department\n");
  if (r.by_department.empty()) std::printf("  (none)\n");
  for (const auto& x : r.by_department) {
    std::printf("  %-10lld %8lld  %s\n", static_cast<long long>(x.department_id),
                static_cast<long long>(x.count),
                x.department_name.empty() ? "—" : x.department_name.c_str());
  }
  std::printf("\nby rule and department\n");
  if (r.by_rule_department.empty()) std::printf("  (none)\n");
  for (const auto& x : r.by_rule_department) {
    std::printf("  %-10s %-10lld %8lld\n", x.rule_id.c_str(),
                static_cast<long long>(x.department_id), static_cast<long long>(x.count));
  }
  if (!r.not_replayed.empty()) {
    std::printf("\nnot replayed\n");
    for (const auto& x : r.not_replayed) {
      std::printf("  %-10s %s: %s\n", x.rule_id.c_str(), x.rule_name.c_str(), x.reason.c_str());
    }
  }
}

int RunReplay(const ReplayFlags& f) {
  auto from_date = calendar::ParseDate(f.from);
  auto to_date = calendar::ParseDate(f.to);
  if (!from_date.ok() || !to_date.ok()) {
    std::cerr << "error: --from and --to take dates, YYYY-MM-DD\n";
    return 2;
  }
  if (*to_date < *from_date) {
    std::cerr << "error: --to is before --from\n";
    return 2;
  }
  auto db = OpenDatabase(f.db);
  if (!db.ok()) {
    std::cerr << "error: " << db.error().message << "\n";
    return 1;
  }
  auto rules_text = FindRules(f, **db);
  if (!rules_text.ok()) {
    std::cerr << "error: " << rules_text.error().message << "\n";
    return rules_text.error().category == ErrorCode::kNotFound ? 2 : 1;
  }
  auto rules = sv::ParseRules(rules_text->text);
  if (!rules.ok()) {
    std::cerr << "error: rules: " << rules.error().field << ": " << rules.error().message << "\n";
    return 2;
  }
  store::IdentityStore identity(**db);
  auto cal = BuildCalendar(f.calendar_dir.empty() ? DefaultCalendarDir() : f.calendar_dir,
                           identity);
  if (!cal.ok()) {
    std::cerr << "error: calendar: " << cal.error().message << "\n";
    return 1;
  }
  // The --to day is included: the window ends at its 24:00.
  store::ReplayOptions options;
  options.now = SystemClock().Now();
  auto report = store::Replay(**db, *rules, **cal, calendar::ShanghaiStartOfDay(*from_date),
                              calendar::ShanghaiStartOfDay(*to_date + calendar::CalendarDays(1)),
                              options);
  if (!report.ok()) {
    std::cerr << "error: " << report.error().message << "\n";
    return 1;
  }
  if (f.json) {
    PrintJson(f, *rules_text, *report);
  } else {
    PrintTable(f, *rules_text, *report);
  }
  return 0;
}

}  // namespace

void AddSuperviseCommand(CLI::App& root, int& exit_code) {
  CLI::App* sup = root.add_subcommand("supervise", "Electronic supervision tools");
  sup->require_subcommand(1);
  auto f = std::make_shared<ReplayFlags>();
  CLI::App* replay = sup->add_subcommand(
      "replay", "What a rule set would have raised over the stored history (writes nothing)");
  replay->add_option("--db", f->db, "SQLite file path (or sqlite:PATH) or postgresql:// URL")
      ->required();
  replay->add_option("--rules", f->rules_file,
                     "Rule set file (default: the stored set in force, else the built-in one)");
  replay->add_option("--from", f->from, "First day, YYYY-MM-DD (Asia/Shanghai)")->required();
  replay->add_option("--to", f->to, "Last day, YYYY-MM-DD (included)")->required();
  replay->add_option("--calendar-dir", f->calendar_dir, "Directory of the calendar year files");
  replay->add_flag("--json", f->json, "Print the report as JSON");
  replay->callback([f, &exit_code] { exit_code = RunReplay(*f); });
}

}  // namespace xn::app
