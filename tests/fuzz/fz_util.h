/* fz_util.h: what every fuzz target shares: a scratch folder of its own and
 * the fuzz input written to a file there (the parsers read files, as dcscore
 * does). Targets are built with clang -fsanitize=fuzzer (make fuzz). */
#ifndef DCS_FZ_UTIL_H
#define DCS_FZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "../../engine/config/dcs_config.h"
#include "../../engine/index/dcs_index.h"

/* This process's scratch folder (made once, removed at exit). */
const char *fz_dir(void);
/* Write data to fz_dir()/name and return its path (static buffer). */
const char *fz_file(const char *name, const uint8_t *data, size_t size);
/* data as a NUL-terminated string (static buffer, cut at 64 KiB). */
const char *fz_str(const uint8_t *data, size_t size);
/* A shipped file: $DCS_SRC/rel (the source tree; "." when unset). */
const char *fz_src(const char *rel);
/* Load a site config whose text says STORE where its store_dir goes: there it
 * is fz_dir()/store. Aborts if the (fixed, valid) site does not load. */
dcs_config_t *fz_site(const char *yaml);
/* Rank n entries on sys with o (at most 20 draws: bounded work per input),
 * freeing what the ranking made. */
void fz_rank(dcs_index_system_t *sys, const dcs_index_sentry_t *e, size_t n, dcs_index_sopts_t o);
/* Remove every file under fz_dir() but keep the folder. */
void fz_clean(void);

#endif
