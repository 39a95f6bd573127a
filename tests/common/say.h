/* say(): one line to stdout, flushed at once, for the targets whose output a shell test
 * reads while they run (named_threads, stopsafe, blocker). */
#ifndef TS_SAY_H
#define TS_SAY_H

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
