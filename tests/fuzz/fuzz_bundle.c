/* fuzz_bundle.c: a submission bundle as a region receives it (the seed is a
 * real one, signed by op-fz, whose public key the keyring holds): read,
 * verified and ingested into a fresh in-memory regional store. Every input is
 * refused with one line or accepted; nothing crashes, hangs or leaks, and the
 * scratch folder is removed. */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/region/dcs_region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dcs_submit_keyring_t *kr;
static dcs_index_policy_t *pol;
static dcs_index_system_t *sys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[600];
    const char *ring = "operators:\n  - {id: op-fz, public_key: "
                       "99850897a5cc941cc57d14d08d8e713d304e7aca4b112db82f9f9202d5a35399, valid_from: 2026-01-01}\n";
    if (dcs_submit_keyring_load(fz_file("keyring.yaml", (const uint8_t *)ring, strlen(ring)), &kr, err, sizeof err) ||
        dcs_index_policy_load(fz_src("engine/index/policy.yaml"), &pol) ||
        dcs_index_system_load(fz_src("engine/index/systems/default.yaml"), &sys))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[700], archive[800];
    dcs_region_t *r = NULL;
    if (dcs_region_open(":memory:", &r, err, sizeof err))
        abort();
    snprintf(archive, sizeof archive, "%s/archive", fz_dir());
    dcs_region_ingest_opts_t o = {.keyring = kr, .pol = pol, .sys = sys, .archive_dir = archive,
                                  .tmpdir = fz_dir(), .now_ns = dcs_time_now_ns()};
    dcs_region_ingest_t res;
    int rc = dcs_region_ingest(r, fz_file("in.dcsb", data, size), &o, &res);
    if (rc && (!res.why[0] || strchr(res.why, '\n')))
        abort(); /* a refusal is one line */
    dcs_region_close(r);
    fz_clean();
    return 0;
}
