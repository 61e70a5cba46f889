/*
 * http_text.h: the pure text work behind luaforce.core.http, kept apart from
 * libcurl and Lua so that cmocka can test it byte by byte:
 * - percent-encoding for query strings and form bodies, and query building
 *   with sorted keys (requests must be reproducible);
 * - parsing response header blocks (status line, "Name: value", folding);
 * - redaction: what tracing and error messages print instead of secrets.
 *
 * Every function that produces text appends to an lf_hbuf and returns 0 when
 * memory ran out (the buffer then holds a prefix; the caller frees it).
 */
#ifndef LUAFORCE_HTTP_TEXT_H
#define LUAFORCE_HTTP_TEXT_H

#include <stddef.h>

typedef struct lf_hbuf {
    char *data; /* NUL-terminated whenever len > 0 */
    size_t len, cap;
} lf_hbuf;

int lf_hbuf_add(lf_hbuf *b, const char *s, size_t n);
int lf_hbuf_adds(lf_hbuf *b, const char *s);
void lf_hbuf_free(lf_hbuf *b);

/* Percent-encodes s: unreserved bytes (ALPHA DIGIT - . _ ~) stay, all others
 * become %XX. form != 0: a space becomes "+" (application/x-www-form-urlencoded). */
int lf_pct_encode(lf_hbuf *b, const char *s, size_t n, int form);

/* Decodes %XX (and "+" as a space when form != 0) into out, which has room
 * for n bytes; returns the decoded length. Malformed escapes stay as they are. */
size_t lf_pct_decode(char *out, const char *s, size_t n, int form);

typedef struct lf_kv {
    const char *key, *value;
    size_t klen, vlen;
} lf_kv;

/* key=value&key=value from pairs, sorted by key (bytewise; pairs with equal
 * keys keep their order). Sorts `pairs` in place. */
int lf_encode_pairs(lf_hbuf *b, lf_kv *pairs, size_t n, int form);

/* ---- response headers ---- */

enum { LF_HDR_STATUS = 1, LF_HDR_FIELD, LF_HDR_CONT };

/* Called for each line of a header block: LF_HDR_STATUS with a = the HTTP
 * version ("1.1", "2"), b = the reason phrase and status; LF_HDR_FIELD with
 * a = name, b = value (trimmed); LF_HDR_CONT with a = the folded line's text
 * (to append to the previous value). Return non-zero to stop. */
typedef int (*lf_header_fn)(void *ud, int kind, const char *a, size_t alen, const char *b, size_t blen,
                            int status);

/* Walks a block of header lines (CRLF or LF). A status line anywhere starts
 * a new response (after 1xx ones). Lines that are neither are skipped.
 * Returns the callback's non-zero value, or 0. */
int lf_parse_headers(const char *raw, size_t n, lf_header_fn fn, void *ud);

/* Parses "HTTP/1.1 200 OK" / "HTTP/2 204": 1 and the parts, else 0. */
int lf_parse_status_line(const char *line, size_t n, const char **ver, size_t *vlen, int *status,
                         const char **reason, size_t *rlen);

/* ---- redaction ---- */

/* Header names whose values are credentials: Authorization, Cookie, ... and
 * any name with "token", "secret", "password", "session" or "api-key" in it. */
int lf_secret_header(const char *name, size_t n);

/* Parameter and JSON key names whose values are credentials: access_token,
 * refresh_token, client_secret, password, ... (case-insensitive). */
int lf_secret_name(const char *name, size_t n);

#define LF_MASK "***"

/* a=1&client_secret=x -> a=1&client_secret=*** (names compared decoded). */
int lf_redact_form(lf_hbuf *b, const char *s, size_t n);

/* Masks the string (or scalar) value of every secret-named key in a JSON
 * text: "access_token":"abc" -> "access_token":"***". A scanner, not a
 * parser: it never reads past n and passes malformed text through. */
int lf_redact_json(lf_hbuf *b, const char *s, size_t n);

/* A URL with its userinfo (user:pass@) and the values of secret query
 * parameters masked. */
int lf_redact_url(lf_hbuf *b, const char *s, size_t n);

/* Every occurrence of each secret (the longest wins where they overlap)
 * replaced by ***. Empty secrets are ignored. */
int lf_redact_secrets(lf_hbuf *b, const char *s, size_t n, const char *const *secrets,
                      const size_t *lens, size_t count);

#endif
