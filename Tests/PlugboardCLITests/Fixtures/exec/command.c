// The WASI preview-1 command: main runs the actions (see actions.c) and returns their status.
#include "actions.h"

int main(int argc, char **argv) { return perform(argc, argv); }
