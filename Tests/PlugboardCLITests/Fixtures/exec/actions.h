// What the test programs do, shared by the WASI preview-1 command (command.c) and the component exporting
// wasi:cli/run (component.c): each argument after the program's name is one action, run in order.
#ifndef EXEC_ACTIONS_H
#define EXEC_ACTIONS_H

// Runs the actions argv[1...]; returns the status to exit with (0 unless an action says otherwise).
int perform(int argc, char **argv);

#endif
