#include "app/run.hpp"

int main(int argc, char** argv) { return stx::app::Run(argc, argv); }
