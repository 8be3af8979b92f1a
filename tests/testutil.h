/* testutil.h: helpers shared by the tests: scratch folders, files, and the
 * simulated fleet (fixtures/fleet.sh) started and stopped around a test. */
#ifndef DCS_TESTUTIL_H
#define DCS_TESTUTIL_H

#include <stddef.h>

/* Fresh scratch folder under $TMPDIR (or /tmp); returns a static-lifetime path. */
const char *tu_tmpdir(const char *name);
/* Write text to dir/name; returns the full path (static buffer, copy it). */
const char *tu_write(const char *dir, const char *name, const char *text);
/* Build folder (env DCS_BUILD, default "build") and source root (DCS_SRC, "."). */
const char *tu_build(void);
const char *tu_src(void);
/* Start / stop the demo fleet in dir. Returns 0 when it is up. */
int tu_fleet_up(const char *dir);
void tu_fleet_down(const char *dir);
/* pid of a fleet member by name ("cooling-meter"), or -1. */
int tu_fleet_pid(const char *dir, const char *name);
/* Value of KEY=... in dir/fleet.env as double. */
double tu_fleet_env(const char *dir, const char *key);

/* First of n consecutive free loopback TCP ports, or -1. */
int tu_free_ports(int n);
/* Start argv[0] with argv; when ready_file is given, wait up to wait_s for it to
 * appear. Returns the pid, or -1 (the process is stopped). */
int tu_spawn(char *const argv[], const char *ready_file, double wait_s);
/* Run `sh -c "exec CMD"` with its stdout to out_file and wait up to 5 s for
 * its "READY port=N" line (dcs-sim's HTTP fixtures). Returns the pid and sets
 * *port, or -1 (the process is stopped). */
int tu_spawn_ready(const char *cmd, const char *out_file, int *port);
/* Lines of file path that start with prefix (0 when there is no file). */
int tu_count_lines(const char *path, const char *prefix);
/* SIGTERM, wait up to 3 s, then SIGKILL. pid <= 0 does nothing. */
void tu_stop(int pid);

#endif
