// The stand-alone supervisor: a static C program, one per local attempt (Sources/SupervisorCore/supervisor.c).
#include "sluice_supervisor.h"

int main(int argc, char **argv) { return sluice_supervisor_main(argc, argv); }
