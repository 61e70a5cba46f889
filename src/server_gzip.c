/*
 * server_gzip.c: gzip in both directions for luaforce.core.server (zlib):
 * compressing a response the handler marks gzip, and decoding a request body
 * sent with Content-Encoding: gzip under the server's max_body, so a small
 * bomb cannot take the memory. Pure C, declared in server.h, tested by
 * tests/c/test_server.c.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "server.h"

/* zlib counts in uInt; these feed it at most this much at a time. */
#define ZCHUNK ((size_t)UINT_MAX)

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

int lf_gzip(const void *in, size_t n, unsigned char **out, size_t *outn) {
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip header and trailer around the deflate stream */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return LF_GZIP_NOMEM;
    size_t cap = (size_t)deflateBound(&z, (uLong)n) + 16, len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        deflateEnd(&z);
        return LF_GZIP_NOMEM;
    }
    const unsigned char *src = in;
    size_t left = n;
    int rc;
    do {
        if (z.avail_in == 0 && left > 0) {
            size_t c = min_size(left, ZCHUNK);
            z.next_in = (Bytef *)src;
            z.avail_in = (uInt)c;
            src += c;
            left -= c;
        }
        if (len == cap) { /* deflateBound makes this rare; grow anyway */
            unsigned char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                deflateEnd(&z);
                return LF_GZIP_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)min_size(cap - len, ZCHUNK);
        uInt before = z.avail_out;
        rc = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
        len += before - z.avail_out;
    } while (rc == Z_OK || rc == Z_BUF_ERROR);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return LF_GZIP_NOMEM;
    }
    *out = buf;
    *outn = len;
    return LF_GZIP_OK;
}

int lf_gunzip(const void *in, size_t n, size_t limit, unsigned char **out, size_t *outn) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK) return LF_GZIP_NOMEM;
    /* one byte past the limit is room enough to notice the limit is passed */
    size_t cap_max = limit == SIZE_MAX ? SIZE_MAX : limit + 1;
    size_t cap = n > SIZE_MAX / 4 ? cap_max : min_size(cap_max, n * 4 + 256), len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        inflateEnd(&z);
        return LF_GZIP_NOMEM;
    }
    const unsigned char *src = in;
    size_t left = n;
    int result;
    if (n == 0) {
        result = LF_GZIP_BAD;
        goto done;
    }
    for (;;) {
        if (z.avail_in == 0 && left > 0) {
            size_t c = min_size(left, ZCHUNK);
            z.next_in = (Bytef *)src;
            z.avail_in = (uInt)c;
            src += c;
            left -= c;
        }
        if (len == cap) {
            if (cap == cap_max) {
                result = LF_GZIP_TOO_LARGE;
                break;
            }
            size_t ncap = cap > cap_max / 2 ? cap_max : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                result = LF_GZIP_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)min_size(cap - len, ZCHUNK);
        uInt before = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        len += before - z.avail_out;
        if (len > limit) {
            result = LF_GZIP_TOO_LARGE;
            break;
        }
        if (rc == Z_STREAM_END) {
            if (z.avail_in == 0 && left == 0) {
                result = LF_GZIP_OK;
                break;
            }
            inflateReset(&z); /* another member follows */
            continue;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR) {
            if (z.avail_out == 0 || z.avail_in > 0 || left > 0) continue;
            result = LF_GZIP_BAD; /* the input ended inside the stream */
            break;
        }
        result = rc == Z_MEM_ERROR ? LF_GZIP_NOMEM : LF_GZIP_BAD;
        break;
    }
done:
    inflateEnd(&z);
    if (result != LF_GZIP_OK) {
        free(buf);
        return result;
    }
    *out = buf;
    *outn = len;
    return LF_GZIP_OK;
}
