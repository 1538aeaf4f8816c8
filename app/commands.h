// The subcommands of the `xiaoneng` command line. Each Add*Command registers its subcommand
// (and their options) on ROOT; when the subcommand runs, its exit status is written to EXIT_CODE.
// Other tools script against these commands: their names, options and output are a contract
// (README.md, docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>

namespace xn::app {

// `calendar day|add-workdays|between ...` (docs/calendar.md).
void AddCalendarCommand(CLI::App& root, int& exit_code);

// `flow check FILE.bpmn` (docs/flows.md).
void AddFlowCommand(CLI::App& root, int& exit_code);

// `serve`, `migrate`, `user add`, `verify`, `version`.
void AddServeCommand(CLI::App& root, int& exit_code);
void AddAdminCommands(CLI::App& root, int& exit_code);

// `copy --from sqlite:FILE --to postgresql://...`: an embedded deployment into an empty
// PostgreSQL database, checked row counts and event chain (docs/cli.md, "copy").
void AddCopyCommand(CLI::App& root, int& exit_code);

// `supervise replay --db DB [--rules FILE] --from DATE --to DATE [--json]`: what a rule set would
// have raised over the stored history, writing nothing (docs/rules.md, "Replay").
void AddSuperviseCommand(CLI::App& root, int& exit_code);

// The directory holding the calendar year files: $XN_CALENDAR_DIR, else data/calendar of the
// source tree this binary was built from.
std::string DefaultCalendarDir();
// The built-in supervision rule set: $XN_RULES_FILE, else data/rules/builtin.rules of the source
// tree this binary was built from.
std::string DefaultRulesFile();

}  // namespace xn::app
