/*
 * xml.c: luaforce.core.xml, an XML document read into a Lua tree, on expat
 * with namespace processing. The reader of BPMN files (the connector's
 * lua/luaforce/connector/bpmn.lua); files from other people, so hostile
 * input must fail cleanly and cheaply.
 *
 *   parse(text[, limits]) -> root | nil, message, line, column
 *
 * The tree: every element is a table
 *
 *   { name = "serviceTask",                         -- the local name
 *     ns = "http://www.omg.org/spec/BPMN/20100524/MODEL",  -- absent without one
 *     attrs = { id = "t1",                          -- always a table
 *               ["{http://camunda.org/schema/zeebe/1.0}modelerTemplate"] = "..." },
 *     line = 12, column = 5,                        -- where its start tag begins
 *     text = "...",                                 -- see below
 *     [1] = child, [2] = child, ... }               -- child elements, in order
 *
 * Names are matched by namespace URI, never by prefix: bpmn:, bpmn2: and a
 * default namespace read the same. An attribute without a prefix is keyed
 * by its local name (attributes take no default namespace); one with a
 * prefix by "{URI}local" (Clark notation). Namespace declarations (xmlns,
 * xmlns:p) are not attributes here. `text` is the element's own character
 * data (CDATA sections and entity and character references resolved, not
 * its children's), concatenated; absent when there is none, and when it is
 * only whitespace in an element that has child elements (indentation).
 * Comments and processing instructions are left out. Strings are UTF-8
 * whatever the document's encoding; line and column count from 1, the
 * column in characters.
 *
 * Refused, as errors with a position:
 *   - anything that is not well-formed XML with well-formed namespaces
 *     (expat's message: "mismatched tag", "unbound prefix", ...);
 *   - a name with a character XML allows in no name, which expat's Latin-1
 *     and UTF-16 readers let through (U+00BA, say): the tree could not be
 *     written as XML again;
 *   - any document type declaration (<!DOCTYPE ...>). A BPMN file has none,
 *     and a DTD is where entity expansion attacks and external entities
 *     live, so nothing in one is ever read: no file, no URL, no entity.
 *     expat's own amplification limit stays on besides;
 *   - more than limits.max_bytes of text (default 16 MiB), elements nested
 *     deeper than limits.max_depth (default 256), more than
 *     limits.max_elements elements (default 200,000).
 * Misuse (text not a string, a limit that is not a whole number above 0)
 * raises.
 *
 * Memory and errors: expat calls back into this file, and no Lua error may
 * longjmp through expat's frames; each callback builds its Lua values
 * under lua_pcall and, on failure (only memory), stops the parser and
 * keeps the message. The parser and the text buffers belong to a userdata
 * whose __gc frees them, so a raise anywhere leaks nothing.
 */
#include <expat.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define READER_MT "luaforce.xml.Reader"

/* The separator expat puts between a namespace URI and a local name: a
 * character XML 1.0 allows nowhere in a document, so it cannot occur in
 * either part. */
#define NS_SEP '\x01'

#define DEFAULT_MAX_BYTES (16 * 1024 * 1024)
#define DEFAULT_MAX_DEPTH 256
#define DEFAULT_MAX_ELEMENTS 200000
#define CHUNK (1 << 20) /* bytes per XML_Parse call (it takes an int) */

/* The character data of one open element, in a buffer reused by every
 * element at that depth. */
typedef struct level {
    char *text;
    size_t len, cap;
    int nonspace; /* any character besides space, tab, CR, LF */
} level;

typedef struct reader {
    XML_Parser parser;
    lua_State *L;
    int open;             /* stack index of the table: depth -> open element, [0] = root */
    int depth, max_depth;
    long elements, max_elements;
    level *levels;        /* levels[1..depth] */
    int nlevels;          /* allocated */
    int failed;           /* our own failure, described below */
    char message[160];
    unsigned long line, column;
} reader;

static void reader_release(reader *r) {
    if (r->parser) XML_ParserFree(r->parser);
    r->parser = NULL;
    for (int i = 0; i < r->nlevels; i++) free(r->levels[i].text);
    free(r->levels);
    r->levels = NULL;
    r->nlevels = 0;
}

static int reader_gc(lua_State *L) {
    reader_release(luaL_checkudata(L, 1, READER_MT));
    return 0;
}

/* Stops the parse with our own message at the current event's position
 * (expat's own errors are read after XML_Parse returns). */
static void fail(reader *r, const char *message) {
    if (r->failed) return;
    r->failed = 1;
    snprintf(r->message, sizeof r->message, "%s", message);
    r->line = XML_GetCurrentLineNumber(r->parser);
    r->column = XML_GetCurrentColumnNumber(r->parser) + 1;
    XML_StopParser(r->parser, XML_FALSE);
}

/* Runs f(reader, a, b) under lua_pcall: the Lua values a callback builds
 * may only fail for memory, and that must not longjmp through expat. */
static void protect(reader *r, lua_CFunction f, const void *a, const void *b) {
    lua_State *L = r->L;
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, r);
    lua_pushlightuserdata(L, (void *)a);
    lua_pushlightuserdata(L, (void *)b);
    lua_pushvalue(L, r->open);
    if (lua_pcall(L, 4, 0, 0) != LUA_OK) {
        const char *why = lua_tostring(L, -1);
        fail(r, why ? why : "not enough memory");
        lua_pop(L, 1);
    }
}

/* Pushes a namespaced name's local part, and its URI when it has one;
 * returns 1 for a namespaced name. */
static int push_name(lua_State *L, const char *name) {
    const char *sep = strrchr(name, NS_SEP);
    if (!sep) {
        lua_pushstring(L, name);
        return 0;
    }
    lua_pushstring(L, sep + 1);
    lua_pushlstring(L, name, (size_t)(sep - name));
    return 1;
}

/* Pushes an attribute's key: its local name, or "{URI}local". */
static void push_attr_key(lua_State *L, const char *name) {
    const char *sep = strrchr(name, NS_SEP);
    if (!sep) {
        lua_pushstring(L, name);
        return;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '{');
    luaL_addlstring(&b, name, (size_t)(sep - name));
    luaL_addchar(&b, '}');
    luaL_addstring(&b, sep + 1);
    luaL_pushresult(&b);
}

/* Protected: the new element's table, appended to its parent (or kept as
 * the root) and made open[depth + 1]. */
static int build_start(lua_State *L) {
    reader *r = lua_touserdata(L, 1);
    const char *name = lua_touserdata(L, 2);
    const char **atts = lua_touserdata(L, 3);
    int open = 4;
    lua_createtable(L, 0, 6);
    if (push_name(L, name)) lua_setfield(L, -3, "ns");
    lua_setfield(L, -2, "name");
    lua_newtable(L);
    for (int i = 0; atts[i]; i += 2) {
        push_attr_key(L, atts[i]);
        lua_pushstring(L, atts[i + 1]);
        lua_rawset(L, -3);
    }
    lua_setfield(L, -2, "attrs");
    lua_pushinteger(L, (lua_Integer)XML_GetCurrentLineNumber(r->parser));
    lua_setfield(L, -2, "line");
    lua_pushinteger(L, (lua_Integer)XML_GetCurrentColumnNumber(r->parser) + 1);
    lua_setfield(L, -2, "column");
    if (r->depth == 0) {
        lua_pushvalue(L, -1);
        lua_rawseti(L, open, 0);
    } else {
        lua_rawgeti(L, open, r->depth);
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
    }
    lua_rawseti(L, open, r->depth + 1);
    return 0;
}

/* Protected: the closing element gets its text (the rule in the header)
 * and leaves the open table. */
static int build_end(lua_State *L) {
    reader *r = lua_touserdata(L, 1);
    int open = 4;
    level *lv = &r->levels[r->depth];
    lua_rawgeti(L, open, r->depth);
    if (lv->len > 0 && (lv->nonspace || lua_rawlen(L, -1) == 0)) {
        lua_pushlstring(L, lv->text, lv->len);
        lua_setfield(L, -2, "text");
    }
    lua_pushnil(L);
    lua_rawseti(L, open, r->depth);
    return 0;
}

/* Whether a name expat took from the document (its local part, after the
 * namespace separator) is a name in UTF-8 too. expat's Latin-1 and UTF-16
 * readers take a few characters as name characters (U+00AA, U+00BA, ...)
 * that XML does not, and its UTF-8 reader refuses: a tree holding one could
 * not be written out as XML again. Only names with non-ASCII characters are
 * checked, by expat itself on a one-element UTF-8 document. */
static int name_ok_in_utf8(const char *name) {
    const char *local = strrchr(name, NS_SEP);
    local = local ? local + 1 : name;
    size_t n = strlen(local);
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)local[i] >= 0x80) ascii = 0;
    if (ascii) return 1;
    char *doc = malloc(n + 4);
    if (!doc) return 0;
    doc[0] = '<';
    memcpy(doc + 1, local, n);
    memcpy(doc + 1 + n, "/>", 3);
    XML_Parser p = XML_ParserCreate("UTF-8");
    int ok = p && XML_Parse(p, doc, (int)(n + 3), XML_TRUE) == XML_STATUS_OK;
    if (p) XML_ParserFree(p);
    free(doc);
    return ok;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    reader *r = ud;
    if (r->failed) return;
    int names_ok = name_ok_in_utf8(name);
    for (int i = 0; names_ok && atts[i]; i += 2) names_ok = name_ok_in_utf8(atts[i]);
    if (!names_ok) {
        fail(r, "a name with a character XML does not allow in names (this document's encoding let it through)");
        return;
    }
    if (r->depth >= r->max_depth) {
        char m[96];
        snprintf(m, sizeof m, "elements nested deeper than %d levels", r->max_depth);
        fail(r, m);
        return;
    }
    if (r->elements >= r->max_elements) {
        char m[96];
        snprintf(m, sizeof m, "more than %ld elements", r->max_elements);
        fail(r, m);
        return;
    }
    if (r->depth + 1 >= r->nlevels) {
        int n = r->nlevels ? r->nlevels * 2 : 16;
        level *more = realloc(r->levels, (size_t)n * sizeof *more);
        if (!more) {
            fail(r, "not enough memory");
            return;
        }
        memset(more + r->nlevels, 0, (size_t)(n - r->nlevels) * sizeof *more);
        r->levels = more;
        r->nlevels = n;
    }
    protect(r, build_start, name, atts);
    if (r->failed) return;
    r->elements++;
    r->depth++;
    r->levels[r->depth].len = 0;
    r->levels[r->depth].nonspace = 0;
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
    reader *r = ud;
    (void)name;
    if (r->failed || r->depth == 0) return;
    protect(r, build_end, NULL, NULL);
    r->depth--;
}

/* Character data arrives in pieces (around references, at buffer ends);
 * it collects in the open element's buffer. */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
    reader *r = ud;
    if (r->failed || r->depth == 0 || len <= 0) return;
    level *lv = &r->levels[r->depth];
    size_t n = (size_t)len;
    if (lv->len + n > lv->cap) {
        size_t cap = lv->cap ? lv->cap : 64;
        while (cap < lv->len + n) cap *= 2;
        char *more = realloc(lv->text, cap);
        if (!more) {
            fail(r, "not enough memory");
            return;
        }
        lv->text = more;
        lv->cap = cap;
    }
    memcpy(lv->text + lv->len, s, n);
    lv->len += n;
    for (size_t i = 0; i < n && !lv->nonspace; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') lv->nonspace = 1;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset) {
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, "a document type declaration (<!DOCTYPE ...>) is not allowed: no DTD or entity is read");
}

/* A limit from the optional table: a whole number above 0, else misuse. */
static lua_Integer limit(lua_State *L, const char *key, lua_Integer def, lua_Integer max) {
    if (lua_isnoneornil(L, 2)) return def;
    lua_getfield(L, 2, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return def;
    }
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 1 || v > max)
        return luaL_argerror(L, 2, lua_pushfstring(L, "%s must be a whole number from 1 to %I", key, max));
    lua_pop(L, 1);
    return v;
}

static int fail_result(lua_State *L, const char *message, unsigned long line, unsigned long column) {
    lua_pushnil(L);
    lua_pushstring(L, message);
    lua_pushinteger(L, (lua_Integer)(line ? line : 1));
    lua_pushinteger(L, (lua_Integer)(column ? column : 1));
    return 4;
}

/* parse(text[, limits]): see the file comment. */
static int xml_parse(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer max_bytes = limit(L, "max_bytes", DEFAULT_MAX_BYTES, LUA_MAXINTEGER);
    lua_Integer max_depth = limit(L, "max_depth", DEFAULT_MAX_DEPTH, 1 << 20);
    lua_Integer max_elements = limit(L, "max_elements", DEFAULT_MAX_ELEMENTS, 1L << 30);
    lua_settop(L, 2);
    if ((lua_Integer)len > max_bytes || len > (size_t)LUA_MAXINTEGER) {
        char m[96];
        snprintf(m, sizeof m, "the document is larger than %lld bytes", (long long)max_bytes);
        return fail_result(L, m, 1, 1);
    }

    reader *r = lua_newuserdatauv(L, sizeof *r, 0);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, READER_MT);
    lua_newtable(L);
    r->open = lua_gettop(L);
    r->L = L;
    r->max_depth = (int)max_depth;
    r->max_elements = (long)max_elements;
    r->parser = XML_ParserCreateNS(NULL, NS_SEP);
    if (!r->parser) return luaL_error(L, "not enough memory");
    XML_SetUserData(r->parser, r);
    XML_SetElementHandler(r->parser, on_start, on_end);
    XML_SetCharacterDataHandler(r->parser, on_text);
    XML_SetStartDoctypeDeclHandler(r->parser, on_doctype);
    XML_SetParamEntityParsing(r->parser, XML_PARAM_ENTITY_PARSING_NEVER);
    /* room for what protect() pushes; the callbacks leave the stack as found */
    luaL_checkstack(L, 8, NULL);

    enum XML_Status status = XML_STATUS_OK;
    size_t off = 0;
    do {
        size_t n = len - off > CHUNK ? CHUNK : len - off;
        int last = off + n == len;
        status = XML_Parse(r->parser, text + off, (int)n, last);
        off += n;
    } while (status == XML_STATUS_OK && off < len);
    if (status == XML_STATUS_OK && len == 0) status = XML_Parse(r->parser, "", 0, 1);

    /* r itself stays alive (it is on the stack) until we return */
    if (r->failed) {
        reader_release(r);
        return fail_result(L, r->message, r->line, r->column);
    }
    if (status != XML_STATUS_OK) {
        enum XML_Error code = XML_GetErrorCode(r->parser);
        const XML_LChar *why = XML_ErrorString(code);
        unsigned long line = XML_GetCurrentLineNumber(r->parser);
        unsigned long column = XML_GetCurrentColumnNumber(r->parser) + 1;
        reader_release(r);
        if (code == XML_ERROR_NO_ELEMENTS && r->depth > 0) {
            /* expat says "no element found" for an element left open too */
            lua_rawgeti(L, r->open, r->depth);
            lua_getfield(L, -1, "name");
            lua_getfield(L, -2, "line");
            lua_getfield(L, -3, "column");
            why = lua_pushfstring(L, "the text ends inside element '%s' (opened at line %I, column %I, never closed)",
                                  lua_tostring(L, -3), lua_tointeger(L, -2), lua_tointeger(L, -1));
        }
        return fail_result(L, why ? why : "not well-formed", line, column);
    }
    reader_release(r);
    lua_rawgeti(L, r->open, 0);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"parse", xml_parse},
    {NULL, NULL},
};

int luaopen_luaforce_core_xml(lua_State *L) {
    if (luaL_newmetatable(L, READER_MT)) {
        lua_pushcfunction(L, reader_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, reader_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    luaL_newlib(L, funcs);
    return 1;
}
