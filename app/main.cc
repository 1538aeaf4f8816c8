// xiaoneng: the command line. main only wires the subcommands together.
#include <cstdio>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App root{"xiaoneng (效能): government service efficiency and electronic supervision"};
  root.require_subcommand(1);
  int exit_code = 0;
  xn::app::AddServeCommand(root, exit_code);
  xn::app::AddAdminCommands(root, exit_code);
  xn::app::AddCopyCommand(root, exit_code);
  xn::app::AddSuperviseCommand(root, exit_code);
  xn::app::AddCalendarCommand(root, exit_code);
  xn::app::AddFlowCommand(root, exit_code);
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = root.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
