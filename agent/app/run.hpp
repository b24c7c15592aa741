#pragma once

namespace stx::app {

/// The whole program: parses the command line and runs the chosen command. Returns the exit
/// status (2 for usage errors).
int Run(int argc, char** argv);

}  // namespace stx::app
