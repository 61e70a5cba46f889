/*
 * http_text.c: encoding, header parsing and redaction for luaforce.core.http
 * (see http_text.h). No libcurl, no Lua: plain bytes in, bytes out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_text.h"

/* ---- buffer --------------------------------------------------------------- */

int lf_hbuf_add(lf_hbuf *b, const char *s, size_t n) {
    if (b->cap - b->len <= n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len <= n) {
            if (cap > SIZE_MAX / 2) return 0;
            cap *= 2;
        }
        char *p = realloc(b->data, cap);
        if (p == NULL) return 0;
        b->data = p;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 1;
}

int lf_hbuf_adds(lf_hbuf *b, const char *s) { return lf_hbuf_add(b, s, strlen(s)); }

void lf_hbuf_free(lf_hbuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- percent-encoding ----------------------------------------------------- */

static int unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int lf_pct_encode(lf_hbuf *b, const char *s, size_t n, int form) {
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && unreserved((unsigned char)s[j])) j++;
        if (j > i && !lf_hbuf_add(b, s + i, j - i)) return 0;
        if (j == n) break;
        unsigned char c = (unsigned char)s[j];
        if (form && c == ' ') {
            if (!lf_hbuf_add(b, "+", 1)) return 0;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (!lf_hbuf_add(b, e, 3)) return 0;
        }
        i = j + 1;
    }
    return 1;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t lf_pct_decode(char *out, const char *s, size_t n, int form) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h >= 0 && l >= 0) {
                out[o++] = (char)(h * 16 + l);
                i += 2;
                continue;
            }
        }
        out[o++] = form && s[i] == '+' ? ' ' : s[i];
    }
    return o;
}

/* Stable order by key: the index breaks ties (qsort is not stable). */
typedef struct ikv {
    lf_kv kv;
    size_t index;
} ikv;

static int cmp_ikv(const void *pa, const void *pb) {
    const ikv *a = pa, *b = pb;
    size_t m = a->kv.klen < b->kv.klen ? a->kv.klen : b->kv.klen;
    int c = m ? memcmp(a->kv.key, b->kv.key, m) : 0;
    if (c) return c;
    if (a->kv.klen != b->kv.klen) return a->kv.klen < b->kv.klen ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

int lf_encode_pairs(lf_hbuf *b, lf_kv *pairs, size_t n, int form) {
    if (n == 0) return lf_hbuf_add(b, "", 0);
    ikv *tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL) return 0;
    for (size_t i = 0; i < n; i++) {
        tmp[i].kv = pairs[i];
        tmp[i].index = i;
    }
    qsort(tmp, n, sizeof *tmp, cmp_ikv);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        pairs[i] = tmp[i].kv;
        if (i) ok = lf_hbuf_add(b, "&", 1);
        ok = ok && lf_pct_encode(b, pairs[i].key, pairs[i].klen, form) && lf_hbuf_add(b, "=", 1) &&
             lf_pct_encode(b, pairs[i].value, pairs[i].vlen, form);
    }
    free(tmp);
    return ok;
}

/* ---- header parsing ------------------------------------------------------- */

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int is_tchar(unsigned char c) {
    return c > 32 && c < 127 && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

int lf_parse_status_line(const char *line, size_t n, const char **ver, size_t *vlen, int *status,
                         const char **reason, size_t *rlen) {
    if (n < 5 || memcmp(line, "HTTP/", 5) != 0) return 0;
    size_t i = 5;
    while (i < n && line[i] != ' ') i++;
    if (i == 5 || i >= n) return 0;
    *ver = line + 5;
    *vlen = i - 5;
    while (i < n && line[i] == ' ') i++;
    int st = 0, digits = 0;
    while (i < n && line[i] >= '0' && line[i] <= '9' && digits < 3) {
        st = st * 10 + (line[i] - '0');
        i++;
        digits++;
    }
    if (digits != 3 || (i < n && line[i] != ' ')) return 0;
    while (i < n && line[i] == ' ') i++;
    size_t e = n;
    while (e > i && is_ows(line[e - 1])) e--;
    *status = st;
    *reason = line + i;
    *rlen = e - i;
    return 1;
}

int lf_parse_headers(const char *raw, size_t n, lf_header_fn fn, void *ud) {
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && raw[e] != '\n') e++;
        size_t next = e < n ? e + 1 : e;
        if (e > i && raw[e - 1] == '\r') e--;
        const char *line = raw + i;
        size_t len = e - i;
        int rc = 0;
        const char *a, *b;
        size_t alen, blen;
        int status;
        if (len == 0) {
            /* the blank line ending a block */
        } else if (lf_parse_status_line(line, len, &a, &alen, &status, &b, &blen)) {
            rc = fn(ud, LF_HDR_STATUS, a, alen, b, blen, status);
        } else if (is_ows(line[0])) {
            size_t s = 0, t = len;
            while (s < t && is_ows(line[s])) s++;
            while (t > s && is_ows(line[t - 1])) t--;
            rc = fn(ud, LF_HDR_CONT, line + s, t - s, NULL, 0, 0);
        } else {
            size_t c = 0;
            while (c < len && is_tchar((unsigned char)line[c])) c++;
            if (c > 0 && c < len && line[c] == ':') {
                size_t s = c + 1, t = len;
                while (s < t && is_ows(line[s])) s++;
                while (t > s && is_ows(line[t - 1])) t--;
                rc = fn(ud, LF_HDR_FIELD, line, c, line + s, t - s, 0);
            }
        }
        if (rc) return rc;
        i = next;
    }
    return 0;
}

/* ---- redaction ------------------------------------------------------------ */

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int ieq(const char *a, size_t n, const char *lit) {
    size_t m = strlen(lit);
    if (n != m) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lit[i]) return 0;
    return 1;
}

static int icontains(const char *a, size_t n, const char *lit) {
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && lower((unsigned char)a[i + k]) == lit[k]) k++;
        if (k == m) return 1;
    }
    return 0;
}

static int iends(const char *a, size_t n, const char *lit) {
    size_t m = strlen(lit);
    return n >= m && ieq(a + n - m, m, lit);
}

int lf_secret_header(const char *name, size_t n) {
    static const char *const exact[] = {"authorization", "proxy-authorization", "cookie", "set-cookie",
                                        "x-sfdc-session", NULL};
    static const char *const parts[] = {"token", "secret", "password", "session", "api-key", "apikey", NULL};
    for (int i = 0; exact[i]; i++)
        if (ieq(name, n, exact[i])) return 1;
    for (int i = 0; parts[i]; i++)
        if (icontains(name, n, parts[i])) return 1;
    return 0;
}

int lf_secret_name(const char *name, size_t n) {
    static const char *const exact[] = {"access_token", "refresh_token", "id_token", "token", "client_secret",
                                        "password", "passwd", "pwd", "secret", "client_assertion", "assertion",
                                        "code_verifier", "sessionid", "session_id", "api_key", "apikey",
                                        "authorization", NULL};
    for (int i = 0; exact[i]; i++)
        if (ieq(name, n, exact[i])) return 1;
    return icontains(name, n, "password") || icontains(name, n, "secret") || iends(name, n, "_token") ||
           iends(name, n, "token") || iends(name, n, "sessionid");
}

/* One "a=b&c=d" run (a query or a form body), masking secret values. */
static int redact_pairs(lf_hbuf *b, const char *s, size_t n) {
    size_t i = 0;
    char key[128];
    while (i <= n) {
        size_t e = i;
        while (e < n && s[e] != '&') e++;
        size_t eq = i;
        while (eq < e && s[eq] != '=') eq++;
        int secret = 0;
        if (eq < e) {
            size_t klen = eq - i;
            if (klen <= sizeof key) {
                size_t dl = lf_pct_decode(key, s + i, klen, 1);
                secret = lf_secret_name(key, dl);
            } else {
                secret = lf_secret_name(s + i, klen);
            }
        }
        if (secret) {
            if (!lf_hbuf_add(b, s + i, eq + 1 - i) || !lf_hbuf_adds(b, LF_MASK)) return 0;
        } else if (!lf_hbuf_add(b, s + i, e - i)) {
            return 0;
        }
        if (e >= n) break;
        if (!lf_hbuf_add(b, "&", 1)) return 0;
        i = e + 1;
    }
    return 1;
}

int lf_redact_form(lf_hbuf *b, const char *s, size_t n) {
    if (n == 0) return lf_hbuf_add(b, "", 0);
    return redact_pairs(b, s, n);
}

/* End of the JSON string whose opening quote is at s[i]: the index just past
 * the closing quote, or n when it is unterminated. */
static size_t json_string_end(const char *s, size_t n, size_t i) {
    for (i++; i < n; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '"') return i + 1;
    }
    return n;
}

/* A JSON key's text with the simple escapes undone (enough to compare it with
 * the plain ASCII secret names); 0 when it does not fit `out`. */
static size_t json_key_text(char *out, size_t cap, const char *s, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            c = s[++i];
            if (c == 'u' && i + 4 < n) { /* \u00XX: an ASCII letter spelled out */
                int h = hexval(s[i + 3]), l = hexval(s[i + 4]);
                if (s[i + 1] == '0' && s[i + 2] == '0' && h >= 0 && l >= 0) c = (char)(h * 16 + l);
                i += 4;
            }
        }
        if (o == cap) return 0;
        out[o++] = c;
    }
    return o;
}

int lf_redact_json(lf_hbuf *b, const char *s, size_t n) {
    size_t i = 0, copied = 0;
    char key[128];
    if (!lf_hbuf_add(b, "", 0)) return 0;
    while (i < n) {
        if (s[i] != '"') {
            i++;
            continue;
        }
        size_t end = json_string_end(s, n, i);
        size_t j = end;
        while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n')) j++;
        if (j >= n || s[j] != ':' || end - i < 2) {
            i = end;
            continue;
        }
        /* a key: is it a secret's? */
        size_t klen = json_key_text(key, sizeof key, s + i + 1, end - i - 2);
        j++;
        while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n')) j++;
        if (klen == 0 || !lf_secret_name(key, klen) || j >= n || s[j] == '{' || s[j] == '[') {
            i = j;
            continue;
        }
        size_t vend;
        if (s[j] == '"') {
            vend = json_string_end(s, n, j);
        } else {
            vend = j;
            while (vend < n && !strchr(",}] \t\r\n", s[vend])) vend++;
        }
        if (!lf_hbuf_add(b, s + copied, j - copied) || !lf_hbuf_adds(b, "\"" LF_MASK "\"")) return 0;
        copied = i = vend;
    }
    return lf_hbuf_add(b, s + copied, n - copied);
}

int lf_redact_url(lf_hbuf *b, const char *s, size_t n) {
    size_t i = 0;
    /* scheme:// */
    size_t p = 0;
    while (p + 2 < n && s[p] != '/' && s[p] != '?' && s[p] != '#' && s[p] != ':') p++;
    if (p + 2 < n && s[p] == ':' && s[p + 1] == '/' && s[p + 2] == '/') {
        size_t a = p + 3, e = a, at = SIZE_MAX;
        while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#') {
            if (s[e] == '@') at = e;
            e++;
        }
        if (at != SIZE_MAX) {
            if (!lf_hbuf_add(b, s, a) || !lf_hbuf_adds(b, LF_MASK)) return 0;
            i = at;
        }
    }
    size_t q = i;
    while (q < n && s[q] != '?' && s[q] != '#') q++;
    if (!lf_hbuf_add(b, s + i, q - i)) return 0;
    if (q >= n) return 1;
    if (s[q] == '#') return lf_hbuf_add(b, s + q, n - q);
    size_t h = q + 1;
    while (h < n && s[h] != '#') h++;
    if (!lf_hbuf_add(b, "?", 1)) return 0;
    if (h > q + 1 && !redact_pairs(b, s + q + 1, h - q - 1)) return 0;
    return lf_hbuf_add(b, s + h, n - h);
}

int lf_redact_secrets(lf_hbuf *b, const char *s, size_t n, const char *const *secrets,
                      const size_t *lens, size_t count) {
    size_t i = 0, copied = 0;
    if (!lf_hbuf_add(b, "", 0)) return 0;
    while (i < n) {
        size_t best = 0;
        for (size_t k = 0; k < count; k++) {
            size_t m = lens[k];
            if (m > best && m <= n - i && secrets[k][0] == s[i] && memcmp(s + i, secrets[k], m) == 0) best = m;
        }
        if (best == 0) {
            i++;
            continue;
        }
        if (!lf_hbuf_add(b, s + copied, i - copied) || !lf_hbuf_adds(b, LF_MASK)) return 0;
        i += best;
        copied = i;
    }
    return lf_hbuf_add(b, s + copied, n - copied);
}
