/* fuzz_expo.c: the Prometheus text exposition (probes/prometheus/expo.c): the
 * first line of the input is a selector, the rest a scraped page. Every input
 * is refused with a reason or gives counts that add up (matched series at
 * least the non-finite ones; a finite sum), reading no byte past the page. */
#include "fz_util.h"
#include "../../probes/prometheus/prom_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - data) : size;
    char sel_text[512];
    size_t k = head < sizeof sel_text - 1 ? head : sizeof sel_text - 1;
    memcpy(sel_text, data, k);
    sel_text[k] = '\0';
    prom_sel_t sel[2];
    char err[300];
    if (prom_sel_parse(sel_text, &sel[0], err, sizeof err) != 0) {
        if (!err[0])
            abort();
        prom_sel_parse("m", &sel[0], err, sizeof err);
    }
    prom_sel_parse("up{job!=\"x\"}", &sel[1], err, sizeof err);
    size_t len = nl ? size - head - 1 : 0;
    char *page = malloc(len ? len : 1); /* exactly the page: ASan sees any read past it */
    memcpy(page, nl ? nl + 1 : data, len);
    prom_acc_t acc[2];
    err[0] = '\0';
    if (prom_scan(page, len, sel, 2, acc, err, sizeof err) != 0) {
        if (!err[0])
            abort();
    } else
        for (int i = 0; i < 2; i++)
            if (acc[i].nonfinite > acc[i].n || isnan(acc[i].sum))
                abort();
    free(page);
    return 0;
}
