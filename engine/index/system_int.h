/* system_int.h: the index system shared by its loader (system_load.c) and its
 * evaluation (system.c). Not part of the public API. */
#ifndef DCS_SYSTEM_INT_H
#define DCS_SYSTEM_INT_H

#include "dcs_index.h"

struct dcs_index_system {
    void *doc;                     /* the parsed file (libcyaml); node strings point into it */
    char *path;
    const char *id, *version, *name_en, *name_zh, *source;
    int verify;
    dcs_index_agg_t agg;
    int topsis_minmax;             /* TOPSIS normalisation: 0 vector, 1 min-max */
    dcs_index_node_t root;         /* weighting of the top-level nodes */
    dcs_index_node_t nodes[DCS_INDEX_MAX_NODES];
    size_t nnodes;
    size_t leaf_node[DCS_INDEX_MAX_NODES], nleaves;
    char hash[65];
    char errmsg[512];
};

/* The node index p's children (p = -1: the root's), in file order; returns n. */
size_t system_children(const dcs_index_system_t *s, int p, size_t *out);
/* The node of index p, the root for p = -1. */
dcs_index_node_t *system_node(dcs_index_system_t *s, int p);

#endif
