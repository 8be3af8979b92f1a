/* submit_int.h: the bundle's canonical tar (tar.c), shared by the writer and
 * the reader. */
#ifndef DCS_SUBMIT_INT_H
#define DCS_SUBMIT_INT_H

#include <stdint.h>
#include <stdio.h>

#define TAR_BLOCK 512
#define TAR_NAME_MAX 99          /* ustar name field, NUL-terminated */
#define TAR_MEMBER_MAX (1ULL << 33) /* 8 GiB: the largest member a bundle holds */

/* The one header dcscore writes for a regular file `name` of `size` bytes:
 * ustar, mode 0644, owner 0/0, mtime 0, no user or group names. */
int tar_header(const char *name, uint64_t size, unsigned char h[TAR_BLOCK]);
/* Append member name with the bytes of file src (or len bytes of data when src
 * is NULL) to out, padded to a block. Returns 0 or -1. */
int tar_add(FILE *out, const char *name, const char *src, const void *data, uint64_t len);
/* End the archive: two zero blocks. */
int tar_end(FILE *out);

/* Read the next header from in into name and size, checking it is exactly the
 * header tar_header writes. Returns 1 (a member), 0 (the end: two zero blocks
 * and then nothing), or -1 with why (one line). */
int tar_next(FILE *in, char name[TAR_NAME_MAX + 1], uint64_t *size, char *why, size_t whylen);
/* After a member's size bytes, its padding: must be zeros. Returns 0 or -1. */
int tar_skip_pad(FILE *in, uint64_t size);

/* Remove a folder and everything in it ("" does nothing). */
void submit_rmtree(const char *dir);

#endif
