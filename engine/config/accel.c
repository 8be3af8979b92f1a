/* accel.c: accelerator profiles (probes/profiles/accelerators/NAME.yaml): a
 * device's dense peak compute per precision with its source, so that an
 * inventory group says `accelerator: nvidia-h100-sxm5, accelerators: 8` and
 * its peaks are the vendor's, traceable, not typed in by hand. */
#include "config_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cyaml_schema_field_t accel_fields[] = {
    STR("accelerator", dcs_config_accel_t, accelerator, 0),
    STR("name", dcs_config_accel_t, name, 0),
    STR("vendor", dcs_config_accel_t, vendor, 0),
    STR("source", dcs_config_accel_t, source, 0),
    STR("confidence", dcs_config_accel_t, confidence, 0),
    STR("note", dcs_config_accel_t, note, OPT),
    CYAML_FIELD_FLOAT("fp64_tflops", OPT, dcs_config_accel_t, fp64_tflops),
    CYAML_FIELD_FLOAT("fp32_tflops", OPT, dcs_config_accel_t, fp32_tflops),
    CYAML_FIELD_FLOAT("fp16_tflops", OPT, dcs_config_accel_t, fp16_tflops),
    CYAML_FIELD_FLOAT("int8_tflops", OPT, dcs_config_accel_t, int8_tflops),
    CYAML_FIELD_END};
static const cyaml_schema_value_t accel_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, dcs_config_accel_t, accel_fields)};

static int accel_check(void *data, const char *path, char *err, size_t errlen)
{
    const dcs_config_accel_t *a = data;
    const char *base = strrchr(path, '/');
    size_t n = strlen(a->accelerator);
    const double v[4] = {a->fp64_tflops, a->fp32_tflops, a->fp16_tflops, a->int8_tflops};
    int rated = 0, bad = 0;
    for (int p = 0; p < 4; p++)
        rated |= v[p] > 0, bad |= !(v[p] >= 0 && isfinite(v[p]));
    if (!base || strncmp(base + 1, a->accelerator, n) != 0 || strcmp(base + 1 + n, ".yaml") != 0)
        return snprintf(err, errlen, "%s: accelerator '%s' is not the file's name", path, a->accelerator),
               DCS_ECONFIG;
    if (strcmp(a->confidence, "datasheet") && strcmp(a->confidence, "announcement") &&
        strcmp(a->confidence, "secondary"))
        return snprintf(err, errlen, "%s: confidence '%s' is not datasheet, announcement or secondary", path,
                        a->confidence), DCS_ECONFIG;
    if (bad || !rated)
        return snprintf(err, errlen, "%s: peaks must be finite, not negative, and one of them rated", path),
               DCS_ECONFIG;
    if (!*a->source)
        return snprintf(err, errlen, "%s: source is empty (name the datasheet)", path), DCS_ECONFIG;
    return 0;
}

void dcs_config_accel_free(dcs_config_accel_t *a)
{
    if (a)
        dcs_config_yaml_free(&accel_schema, a);
}

int dcs_config_accel_apply(dcs_config_t *cfg, dcs_config_server_t *sv, int line)
{
    if (!sv->accelerator) {
        if (sv->accelerators)
            FAIL(line, "server '%s': accelerators without accelerator (name its profile)", sv->id);
        return 0;
    }
    if (sv->fp64_tflops || sv->fp32_tflops || sv->fp16_tflops || sv->int8_tflops)
        FAIL(line, "server '%s': give the peaks (fp16_tflops, ...) or an accelerator profile, not both", sv->id);
    if (sv->accelerators < 1 || sv->accelerators > 1024)
        FAIL(line, "server '%s': accelerator '%s' needs accelerators: N (devices per server, 1..1024)", sv->id,
             sv->accelerator);
    char folder[4096], err[600];
    dcs_config_folder(cfg, folder, sizeof folder);
    void *data = NULL;
    if (dcs_config_data_load("/accelerators", sv->accelerator, folder, &accel_schema, accel_check, &data, err,
                             sizeof err))
        FAIL(line, "server '%s': %s", sv->id, err);
    dcs_config_accel_t *a = sv->accel = data;
    sv->fp64_tflops = a->fp64_tflops * sv->accelerators;
    sv->fp32_tflops = a->fp32_tflops * sv->accelerators;
    sv->fp16_tflops = a->fp16_tflops * sv->accelerators;
    sv->int8_tflops = a->int8_tflops * sv->accelerators;
    return 0;
}
