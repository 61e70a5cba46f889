/*
 * base64.c: luaforce.core.base64, base64 text (RFC 4648 section 4: the
 * standard alphabet, '=' padding) for the OAuth client's Basic credentials,
 * the local org's token endpoint and FEEL's `to base64` / `from base64`.
 *
 * Lua API:
 *   encode(s) -> text                         always padded
 *   decode(text[, padding]) -> s | nil, why   padding "required" (default)
 *                                             or "optional" (base64.h)
 * Text that is not base64 is data, not a mistake: decode returns nil and a
 * message. Whitespace and the URL-safe alphabet are not base64 here.
 */
#include <lauxlib.h>
#include <stdint.h>

#include "base64.h"
#include "core.h"

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t lf_base64_encoded_size(size_t n) {
    size_t groups = n / 3 + (n % 3 != 0);
    if (groups > SIZE_MAX / 4) return 0;
    return groups * 4;
}

void lf_base64_encode(const unsigned char *in, size_t n, char *out) {
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = ALPHABET[v >> 18];
        *out++ = ALPHABET[(v >> 12) & 63];
        *out++ = ALPHABET[(v >> 6) & 63];
        *out++ = ALPHABET[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        *out++ = ALPHABET[v >> 18];
        *out++ = ALPHABET[(v >> 12) & 63];
        *out++ = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
}

size_t lf_base64_decoded_max(size_t n) { return n / 4 * 3 + 2; }

/* The 6-bit value of an alphabet character, -1 for anything else. */
static int sextet(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

const char *lf_base64_decode(const char *in, size_t n, lf_base64_padding padding, unsigned char *out,
                             size_t *outlen, size_t *errpos) {
    size_t len = n; /* without the trailing '=' */
    while (len > 0 && in[len - 1] == '=') len--;
    *outlen = 0;
    *errpos = n;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet((unsigned char)in[i]);
        if (v < 0) {
            *errpos = i;
            return "a character outside the base64 alphabet";
        }
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (padding == LF_BASE64_PADDING_REQUIRED) {
        if (n % 4 != 0) return "the length is not a multiple of 4";
        if (n - len > 2) return "more than two '=' at the end";
    } else if (len % 4 == 1) {
        return "one character too many at the end";
    }
    *outlen = o;
    return NULL;
}

/* encode(s) -> text */
static int b64_encode(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    size_t size = lf_base64_encoded_size(n);
    if (size == 0 && n > 0) return luaL_error(L, "string too long to encode");
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, size);
    lf_base64_encode((const unsigned char *)s, n, out);
    luaL_pushresultsize(&b, size);
    return 1;
}

/* decode(text[, padding]) -> s | nil, message */
static int b64_decode(lua_State *L) {
    static const char *const modes[] = {"required", "optional", NULL};
    static const lf_base64_padding values[] = {LF_BASE64_PADDING_REQUIRED, LF_BASE64_PADDING_OPTIONAL};
    size_t n, outlen, errpos;
    const char *s = luaL_checklstring(L, 1, &n);
    lf_base64_padding padding = values[luaL_checkoption(L, 2, "required", modes)];
    luaL_Buffer b;
    unsigned char *out = (unsigned char *)luaL_buffinitsize(L, &b, lf_base64_decoded_max(n));
    const char *why = lf_base64_decode(s, n, padding, out, &outlen, &errpos);
    if (why) {
        luaL_pushfail(L);
        if (errpos < n)
            lua_pushfstring(L, "not base64: %s (byte %I)", why, (lua_Integer)(errpos + 1));
        else
            lua_pushfstring(L, "not base64: %s", why);
        return 2;
    }
    luaL_pushresultsize(&b, outlen);
    return 1;
}

int luaopen_luaforce_core_base64(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"encode", b64_encode},
        {"decode", b64_decode},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
