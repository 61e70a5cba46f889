/*
 * server.h: the pure C pieces of luaforce.core.server, with no Lua and no
 * libmicrohttpd in them, so that cmocka can test them directly: gzip in both
 * directions (zlib), the loopback test for a peer address, the JSON error
 * body the server answers with when it cannot ask the handler, the check of
 * a reply's header lines and the log line's sanitizing.
 */
#ifndef LUAFORCE_SERVER_H
#define LUAFORCE_SERVER_H
#include <stddef.h>
#include <sys/socket.h>

/* Results of lf_gunzip. */
enum {
    LF_GZIP_OK = 0,
    LF_GZIP_BAD = -1,       /* not a complete, valid gzip stream */
    LF_GZIP_TOO_LARGE = -2, /* the decoded bytes would pass the limit */
    LF_GZIP_NOMEM = -3
};

/* Compresses in[0..n) into a new malloc'd gzip stream (*out, *outn; the
 * caller frees). Returns LF_GZIP_OK or LF_GZIP_NOMEM. */
int lf_gzip(const void *in, size_t n, unsigned char **out, size_t *outn);

/* Decodes the gzip stream in[0..n) into a new malloc'd buffer (*out, *outn;
 * the caller frees; *out is never NULL on success, even for no bytes).
 * Several members one after the other (RFC 1952 allows it) decode to their
 * concatenation. Stops with LF_GZIP_TOO_LARGE as soon as the output would
 * exceed limit bytes, so a small bomb cannot take the memory. */
int lf_gunzip(const void *in, size_t n, size_t limit, unsigned char **out, size_t *outn);

/* 1 when sa is a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
int lf_addr_is_loopback(const struct sockaddr *sa);

/* A Salesforce-shaped error body, [{"errorCode":CODE,"message":MESSAGE}], as
 * a new malloc'd NUL-terminated string (length in *len), or NULL when memory
 * is exhausted. Bytes of message that are not valid UTF-8 become '?'. */
char *lf_error_body(const char *code, const char *message, size_t *len);

/* 1 when name[0..nlen) is a header name (an RFC 9110 token) and
 * value[0..vlen) holds no CR, LF or NUL: a header line a reply may send. */
int lf_valid_header(const char *name, size_t nlen, const char *value, size_t vlen);

/* Appends n bytes of s to buf (capacity cap, length *len, always
 * NUL-terminated, cut at the capacity) with control bytes as '?', so that
 * text from a request or a handler cannot split a log line. */
void lf_log_append(char *buf, size_t cap, size_t *len, const char *s, size_t n);

#endif
