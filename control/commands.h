/* The commands of the control protocol (control/commands.c): list, stop, help, version,
 * quit, answered from a snapshot of the registry. */
#ifndef TS_CONTROL_COMMANDS_H
#define TS_CONTROL_COMMANDS_H

#include "conn.h"

/* Answer one request line (without its newline) into c's output. */
void ts_ctl_handle_line(struct ts_conn *c, const char *line, size_t len) TS_HIDDEN;

#endif
