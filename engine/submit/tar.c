/* tar.c: the bundle's container, a POSIX ustar archive in one canonical form
 * (so `tar -tvf` and Python's tarfile read it, and any changed byte, even in a
 * header or padding, is refused by the reader). */
#define _GNU_SOURCE
#include "submit_int.h"

#include <stdio.h>
#include <sys/types.h>
#include <string.h>

int tar_header(const char *name, uint64_t size, unsigned char h[TAR_BLOCK])
{
    size_t n = strlen(name);
    if (n == 0 || n > TAR_NAME_MAX || size >= TAR_MEMBER_MAX)
        return -1;
    memset(h, 0, TAR_BLOCK);
    memcpy(h, name, n);
    memcpy(h + 100, "0000644", 7);                 /* mode */
    memcpy(h + 108, "0000000", 7);                 /* uid */
    memcpy(h + 116, "0000000", 7);                 /* gid */
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    memcpy(h + 136, "00000000000", 11);            /* mtime */
    h[156] = '0';                                  /* regular file */
    memcpy(h + 257, "ustar", 6);                   /* magic, NUL */
    memcpy(h + 263, "00", 2);                      /* version */
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < TAR_BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);     /* six digits, NUL, then the space kept */
    h[155] = ' ';
    return 0;
}

static int pad(FILE *out, uint64_t len)
{
    static const unsigned char zero[TAR_BLOCK];
    size_t p = (size_t)((TAR_BLOCK - len % TAR_BLOCK) % TAR_BLOCK);
    return p && fwrite(zero, 1, p, out) != p ? -1 : 0;
}

int tar_add(FILE *out, const char *name, const char *src, const void *data, uint64_t len)
{
    unsigned char h[TAR_BLOCK], buf[65536];
    FILE *in = NULL;
    if (src) {
        in = fopen(src, "rb");
        off_t end = in && fseeko(in, 0, SEEK_END) == 0 ? ftello(in) : -1;
        if (end < 0 || fseeko(in, 0, SEEK_SET)) {
            if (in)
                fclose(in);
            return -1;
        }
        len = (uint64_t)end;
    }
    int rc = tar_header(name, len, h) || fwrite(h, 1, TAR_BLOCK, out) != TAR_BLOCK ? -1 : 0;
    if (!rc && !src && len && fwrite(data, 1, (size_t)len, out) != len)
        rc = -1;
    for (uint64_t done = 0; !rc && src && done < len;) {
        size_t n = fread(buf, 1, sizeof buf, in);
        rc = n == 0 || fwrite(buf, 1, n, out) != n ? -1 : 0;
        done += n;
    }
    if (in)
        fclose(in);
    return rc ? rc : pad(out, len);
}

int tar_end(FILE *out)
{
    static const unsigned char zero[2 * TAR_BLOCK];
    return fwrite(zero, 1, sizeof zero, out) == sizeof zero ? 0 : -1;
}

static int all_zero(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int tar_next(FILE *in, char name[TAR_NAME_MAX + 1], uint64_t *size, char *why, size_t whylen)
{
    unsigned char h[TAR_BLOCK], want[TAR_BLOCK];
    long long at = (long long)ftello(in);
    if (fread(h, 1, TAR_BLOCK, in) != TAR_BLOCK)
        return snprintf(why, whylen, "truncated at byte %lld (no end-of-archive blocks)", at), -1;
    if (all_zero(h, TAR_BLOCK)) {
        if (fread(h, 1, TAR_BLOCK, in) != TAR_BLOCK || !all_zero(h, TAR_BLOCK))
            return snprintf(why, whylen, "byte %lld: a lone zero block (not a complete archive)", at), -1;
        if (fgetc(in) != EOF)
            return snprintf(why, whylen, "bytes after the end of the archive (at %lld)", at + 2 * TAR_BLOCK), -1;
        return 0;
    }
    memcpy(name, h, TAR_NAME_MAX);
    name[TAR_NAME_MAX] = '\0';
    unsigned long long sz = 0;
    char field[13] = {0};
    memcpy(field, h + 124, 12);
    if (h[TAR_NAME_MAX] != 0 || sscanf(field, "%11llo", &sz) != 1 || tar_header(name, sz, want) ||
        memcmp(h, want, TAR_BLOCK) != 0)
        return snprintf(why, whylen, "byte %lld: a member header dcscore did not write (changed, or "
                        "not a dcscore bundle)", at), -1;
    *size = sz;
    return 1;
}

int tar_skip_pad(FILE *in, uint64_t size)
{
    unsigned char b[TAR_BLOCK];
    size_t p = (size_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
    return p && (fread(b, 1, p, in) != p || !all_zero(b, p)) ? -1 : 0;
}
