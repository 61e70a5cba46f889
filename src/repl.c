/*
 * repl.c: luaforce.core.repl, the REPL's line editor on libedit.
 *
 * Only the program has it (libedit is linked into the luaforce binary, not
 * into luaforce/core.so): host.c puts it in package.preload, and
 * lua/luaforce/cli/repl.lua reads plain lines when it is missing or when
 * standard input is not a terminal.
 *
 *   repl.editor{complete = fn, history_size = n} -> ed | nil, err
 *       A line editor on the terminal (standard input and output must both
 *       be terminals). complete(before_cursor, line) -> candidates, word
 *       [, hide]: called on Tab; `word` is the end of before_cursor being
 *       completed, each candidate replaces it; a listing of several shows
 *       them without their first `hide` bytes.
 *   ed:readline(prompt) -> line | nil, "interrupted" | nil, "eof"
 *   ed:add_history(line); ed:history() -> {oldest, ..., newest}
 *   ed:close() (also __gc and __close)
 *   repl.call(fn, ...) -> true, ... | false, err
 *       fn(...) with Ctrl-C armed as the host arms it for the whole program
 *       (lf_host_pcall: the interrupt error is raised in Lua, a network wait
 *       wakes), so Ctrl-C ends one evaluation and the REPL goes on.
 *
 * Ctrl-C at the prompt: while el_gets runs, SIGINT has our handler, which
 * sets a flag and writes to a pipe; the editor reads characters through
 * our own function (EL_GETCFN) that polls the terminal and that pipe, so a
 * signal ends the read at once and el_gets returns with the line dropped.
 * The handler also sets lf_interrupted and wakes a network wait, so a Tab
 * completion that is waiting for describe gives up too. The host's handler
 * is put back afterwards.
 *
 * Completion calls back into Lua from inside libedit: the Lua function runs
 * under lua_pcall with the common message handler (nothing longjmps through
 * libedit, and the error keeps its traceback); it is kept in the editor and
 * raised once el_gets has returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <lauxlib.h>

#include "core.h"
#include "host.h"
#include "repl.h"

#define EDITOR_MT "luaforce.repl.Editor"

/* user values of the editor userdata */
enum { UV_COMPLETE = 1, UV_ERROR, UV_PROMPT, UV_COUNT = UV_PROMPT };

/* completions listed under the line at most */
#define LIST_MAX 300

typedef struct {
    EditLine *el;
    History *hist;
    FILE *out;
    lua_State *L;       /* during readline: the caller, for completion */
    const char *prompt; /* during readline: kept alive by UV_PROMPT */
    int cancelled;      /* ^C read as a key (when the terminal sends no signal) */
} Editor;

/* Signal state is necessarily global: the handler has nothing else. */
static volatile sig_atomic_t prompt_interrupt = 0;
static int wake_pipe[2] = {-1, -1};

static void on_prompt_sigint(int sig) {
    (void)sig;
    int saved = errno;
    prompt_interrupt = 1;
    lf_interrupted = 1;
    if (wake_pipe[1] >= 0) {
        ssize_t n = write(wake_pipe[1], "!", 1);
        (void)n;
    }
    if (lf_interrupt_wakeup) lf_interrupt_wakeup();
    errno = saved;
}

static void drain_wake_pipe(void) {
    char buf[64];
    if (wake_pipe[0] < 0) return;
    while (read(wake_pipe[0], buf, sizeof buf) > 0) {
    }
}

static int open_wake_pipe(void) {
    if (wake_pipe[0] >= 0) return 0;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    wake_pipe[0] = fds[0];
    wake_pipe[1] = fds[1];
    return 0;
}

static Editor *editor_of(EditLine *el) {
    void *p = NULL;
    el_get(el, EL_CLIENTDATA, &p);
    return p;
}

/* The editor's character reader: one (multibyte) character from the
 * terminal, or -1 with EINTR as soon as Ctrl-C arrives. */
static int read_char(EditLine *el, wchar_t *wc) {
    (void)el;
    char buf[MB_LEN_MAX];
    size_t n = 0;
    for (;;) {
        if (prompt_interrupt) {
            errno = EINTR;
            *wc = L'\0';
            return -1;
        }
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (p[1].revents) {
            drain_wake_pipe();
            continue;
        }
        if (!p[0].revents) continue;
        unsigned char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            *wc = L'\0';
            return -1;
        }
        if (r == 0) {
            *wc = L'\0';
            return 0;
        }
        buf[n++] = (char)c;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t k = mbrtowc(wc, buf, n, &st);
        if (k == (size_t)-2 && n < sizeof buf) continue; /* more bytes to come */
        if (k == (size_t)-1 || k == (size_t)-2) {        /* not a character: drop */
            n = 0;
            continue;
        }
        if (k == 0) *wc = L'\0';
        return 1;
    }
}

static char *prompt_of(EditLine *el) {
    Editor *ed = editor_of(el);
    return (char *)(ed && ed->prompt ? ed->prompt : "> ");
}

/* ^C as a key: the terminal has ISIG off (it normally does not). */
static unsigned char cancel_cmd(EditLine *el, int ch) {
    (void)ch;
    Editor *ed = editor_of(el);
    if (ed) ed->cancelled = 1;
    return CC_EOF;
}

/* Characters (not bytes) of a UTF-8 string: el_deletestr counts those. */
static int utf8_chars(const char *s, size_t len) {
    int n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

/* Longest common prefix of the candidates at -1 (a list of n strings), cut
 * back to a character boundary; pushed. */
static void push_common_prefix(lua_State *L, int list, lua_Integer n) {
    lua_rawgeti(L, list, 1);
    size_t len;
    const char *first = lua_tolstring(L, -1, &len);
    for (lua_Integer i = 2; i <= n && len > 0; i++) {
        lua_rawgeti(L, list, i);
        size_t l2;
        const char *s = lua_tolstring(L, -1, &l2);
        size_t k = 0;
        while (k < len && k < l2 && first[k] == s[k]) k++;
        len = k;
        lua_pop(L, 1);
    }
    while (len > 0 && ((unsigned char)first[len] & 0xC0) == 0x80) len--;
    lua_pushlstring(L, first, len);
    lua_remove(L, -2);
}

/* Prints the candidates in columns under the line, each without its first
 * `hide` bytes (the path typed before the name: "org." of "org.query"). */
static void list_candidates(lua_State *L, Editor *ed, int list, lua_Integer n, size_t hide) {
    int cols = 0;
    if (el_get(ed->el, EL_GETTC, "co", &cols, NULL) != 0 || cols <= 0) cols = 80;
    lua_Integer shown = n > LIST_MAX ? LIST_MAX : n;
    int width = 1;
    for (lua_Integer i = 1; i <= shown; i++) {
        lua_rawgeti(L, list, i);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (hide < len) s += hide, len -= hide;
        int w = utf8_chars(s, len);
        if (w > width) width = w;
        lua_pop(L, 1);
    }
    int per_line = cols / (width + 2);
    if (per_line < 1) per_line = 1;
    lua_Integer rows = (shown + per_line - 1) / per_line;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '\n');
    for (lua_Integer r = 0; r < rows; r++) {
        for (lua_Integer c = 0; c < per_line; c++) {
            lua_Integer i = c * rows + r + 1; /* down the columns, as ls does */
            if (i > shown) break;
            lua_rawgeti(L, list, i);
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            lua_pop(L, 1); /* the string stays in the list */
            if (hide < len) s += hide, len -= hide;
            luaL_addlstring(&b, s, len);
            if (c + 1 < per_line && (c + 1) * rows + r + 1 <= shown)
                for (int pad = utf8_chars(s, len); pad < width + 2; pad++) luaL_addchar(&b, ' ');
        }
        luaL_addchar(&b, '\n');
    }
    if (shown < n) {
        char more[64];
        snprintf(more, sizeof more, "... and %lld more\n", (long long)(n - shown));
        luaL_addstring(&b, more);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    fwrite(text, 1, len, ed->out);
    fflush(ed->out);
    lua_pop(L, 1);
}

/* Under lua_pcall: asks the Lua function for candidates and edits the line.
 * Argument 1 is the editor userdata; returns a CC_* code. */
static int complete_protected(lua_State *L) {
    Editor *ed = luaL_checkudata(L, 1, EDITOR_MT);
    if (lua_getiuservalue(L, 1, UV_COMPLETE) != LUA_TFUNCTION) {
        lua_pushinteger(L, CC_ERROR);
        return 1;
    }
    const LineInfo *li = el_line(ed->el);
    lua_pushlstring(L, li->buffer, (size_t)(li->cursor - li->buffer));
    lua_pushlstring(L, li->buffer, (size_t)(li->lastchar - li->buffer));
    lua_call(L, 2, 3);
    lua_Integer hide = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    size_t wlen = 0;
    const char *word = lua_tolstring(L, -1, &wlen);
    if (word == NULL) word = "", wlen = 0;
    int list = lua_gettop(L) - 1;
    lua_Integer n = lua_istable(L, list) ? luaL_len(L, list) : 0;
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, list, i) != LUA_TSTRING) luaL_error(L, "completion %d is not a string", (int)i);
        lua_pop(L, 1);
    }
    if (n == 0) {
        lua_pushinteger(L, CC_ERROR);
        return 1;
    }
    int rc = CC_REFRESH;
    if (n == 1) {
        lua_rawgeti(L, list, 1);
    } else {
        push_common_prefix(L, list, n);
        size_t plen;
        const char *prefix = lua_tolstring(L, -1, &plen);
        if (plen < wlen || (plen == wlen && memcmp(prefix, word, wlen) == 0)) {
            lua_pop(L, 1);
            list_candidates(L, ed, list, n, hide > 0 ? (size_t)hide : 0);
            lua_pushinteger(L, CC_REDISPLAY);
            return 1;
        }
    }
    el_deletestr(ed->el, utf8_chars(word, wlen));
    if (el_insertstr(ed->el, lua_tostring(L, -1)) != 0) rc = CC_ERROR;
    lua_pushinteger(L, rc);
    return 1;
}

/* Tab: the completion command libedit calls. Never raises: an error (with
 * the traceback lf_msghandler takes where the completion function raised
 * it) is kept (UV_ERROR) and raised after el_gets returns. */
static unsigned char complete_cmd(EditLine *el, int ch) {
    (void)ch;
    Editor *ed = editor_of(el);
    lua_State *L = ed ? ed->L : NULL;
    if (L == NULL || !lua_checkstack(L, 5)) return CC_ERROR;
    int base = lua_gettop(L) + 1;
    lua_pushcfunction(L, lf_msghandler);
    lua_pushcfunction(L, complete_protected);
    lua_pushvalue(L, 1); /* readline's argument 1: this editor */
    if (lua_pcall(L, 1, 1, base) != LUA_OK) {
        lua_setiuservalue(L, 1, UV_ERROR);
        lua_settop(L, base - 1);
        return CC_ERROR;
    }
    int rc = (int)lua_tointeger(L, -1);
    lua_settop(L, base - 1);
    return (unsigned char)rc;
}

static Editor *check_editor(lua_State *L) {
    Editor *ed = luaL_checkudata(L, 1, EDITOR_MT);
    if (ed->el == NULL) luaL_error(L, "attempt to use a closed editor");
    return ed;
}

/* ed:readline([prompt]) */
static int ed_readline(lua_State *L) {
    Editor *ed = check_editor(L);
    luaL_optstring(L, 2, "> ");
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        lua_pushliteral(L, "> ");
        lua_replace(L, 2);
    }
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, 1, UV_PROMPT);
    lua_pushnil(L);
    lua_setiuservalue(L, 1, UV_ERROR);
    ed->prompt = lua_tostring(L, 2);
    ed->cancelled = 0;
    fflush(stdout);
    fflush(ed->out);

    drain_wake_pipe();
    prompt_interrupt = 0;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_prompt_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    ed->L = L;
    int count = 0;
    const char *line = el_gets(ed->el, &count);
    ed->L = NULL;
    sigaction(SIGINT, &old, NULL);
    int interrupted = prompt_interrupt || ed->cancelled;
    prompt_interrupt = 0;
    lf_interrupted = 0;
    drain_wake_pipe();
    ed->prompt = NULL;

    if (lua_getiuservalue(L, 1, UV_ERROR) != LUA_TNIL) return lua_error(L);
    lua_pop(L, 1);
    if (interrupted) {
        fputs("^C\n", ed->out);
        fflush(ed->out);
        lua_pushnil(L);
        lua_pushliteral(L, "interrupted");
        return 2;
    }
    if (line == NULL || count <= 0) {
        fputs("\n", ed->out);
        fflush(ed->out);
        lua_pushnil(L);
        lua_pushliteral(L, "eof");
        return 2;
    }
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    lua_pushlstring(L, line, len);
    return 1;
}

/* ed:add_history(line) */
static int ed_add_history(lua_State *L) {
    Editor *ed = check_editor(L);
    const char *line = luaL_checkstring(L, 2);
    HistEvent ev;
    if (*line) history(ed->hist, &ev, H_ENTER, line);
    return 0;
}

/* ed:history() -> the entries, oldest first */
static int ed_history(lua_State *L) {
    Editor *ed = check_editor(L);
    HistEvent ev;
    lua_newtable(L);
    lua_Integer i = 0;
    for (int rc = history(ed->hist, &ev, H_LAST); rc != -1; rc = history(ed->hist, &ev, H_PREV)) {
        lua_pushstring(L, ev.str);
        lua_rawseti(L, -2, ++i);
    }
    return 1;
}

static int ed_close(lua_State *L) {
    Editor *ed = luaL_checkudata(L, 1, EDITOR_MT);
    if (ed->el) {
        el_end(ed->el);
        ed->el = NULL;
    }
    if (ed->hist) {
        history_end(ed->hist);
        ed->hist = NULL;
    }
    return 0;
}

static int ed_tostring(lua_State *L) {
    Editor *ed = luaL_checkudata(L, 1, EDITOR_MT);
    lua_pushstring(L, ed->el ? "luaforce.repl.Editor" : "luaforce.repl.Editor (closed)");
    return 1;
}

/* repl.editor{complete = fn, history_size = n} */
static int repl_editor(lua_State *L) {
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_Integer size = 1000;
    int complete = LUA_TNIL;
    if (lua_istable(L, 1)) {
        if (lua_getfield(L, 1, "history_size") != LUA_TNIL) size = luaL_checkinteger(L, -1);
        lua_pop(L, 1);
        complete = lua_getfield(L, 1, "complete");
        if (complete != LUA_TNIL && complete != LUA_TFUNCTION)
            return luaL_error(L, "editor: complete must be a function");
    } else {
        lua_pushnil(L);
    }
    /* the completion function is at 2 */
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        lua_pushnil(L);
        lua_pushliteral(L, "standard input or output is not a terminal");
        return 2;
    }
    if (open_wake_pipe() != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot make a pipe: %s", strerror(errno));
        return 2;
    }
    /* multibyte input (UTF-8) needs a locale that knows it */
    const char *loc = setlocale(LC_CTYPE, "");
    if (loc == NULL || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0)
        setlocale(LC_CTYPE, "C.UTF-8");

    Editor *ed = lua_newuserdatauv(L, sizeof *ed, UV_COUNT);
    memset(ed, 0, sizeof *ed); /* closed until everything is acquired */
    luaL_setmetatable(L, EDITOR_MT);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, -2, UV_COMPLETE);
    ed->out = stdout;
    ed->hist = history_init();
    if (ed->hist == NULL) return luaL_error(L, "editor: out of memory");
    HistEvent ev;
    history(ed->hist, &ev, H_SETSIZE, (int)(size > 0 ? size : 1));
    history(ed->hist, &ev, H_SETUNIQUE, 1);
    ed->el = el_init("luaforce", stdin, stdout, stderr);
    if (ed->el == NULL) return luaL_error(L, "editor: cannot initialise libedit");
    el_set(ed->el, EL_CLIENTDATA, (void *)ed);
    el_set(ed->el, EL_EDITOR, "emacs");
    el_set(ed->el, EL_SIGNAL, 0);
    el_set(ed->el, EL_PROMPT, prompt_of);
    el_set(ed->el, EL_HIST, history, ed->hist);
    el_set(ed->el, EL_GETCFN, read_char);
    /* the wide form: the narrow EL_ADDFN copies its strings and never
     * frees them (libedit says so in eln.c) */
    el_wset(ed->el, EL_ADDFN, L"luaforce-complete", L"complete a name", complete_cmd);
    el_set(ed->el, EL_BIND, "^I", "luaforce-complete", NULL);
    el_wset(ed->el, EL_ADDFN, L"luaforce-cancel", L"cancel the line", cancel_cmd);
    el_set(ed->el, EL_BIND, "^C", "luaforce-cancel", NULL);
    /* ^U and ^W as readline and the shells have them */
    el_set(ed->el, EL_BIND, "^U", "em-kill-line", NULL);
    el_set(ed->el, EL_BIND, "^W", "ed-delete-prev-word", NULL);
    el_source(ed->el, NULL); /* the user's ~/.editrc, as other libedit programs do */
    return 1;
}

/* repl.call(fn, ...) -> true, ... | false, err */
static int repl_call(lua_State *L) {
    luaL_checkany(L, 1);
    struct sigaction old;
    sigaction(SIGINT, NULL, &old);
    int status = lf_host_pcall(L, lua_gettop(L) - 1, LUA_MULTRET);
    sigaction(SIGINT, &old, NULL);
    if (lf_interrupted) {
        /* the interrupt hook may still be set if the error left through C */
        lua_sethook(L, NULL, 0, 0);
        lf_interrupted = 0;
    }
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
}

int luaopen_luaforce_core_repl(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"readline", ed_readline},
        {"add_history", ed_add_history},
        {"history", ed_history},
        {"close", ed_close},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, EDITOR_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, ed_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, ed_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, ed_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {
        {"editor", repl_editor},
        {"call", repl_call},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_pushfstring(L, "%d.%d", LIBEDIT_MAJOR, LIBEDIT_MINOR);
    lua_setfield(L, -2, "libedit");
    return 1;
}
