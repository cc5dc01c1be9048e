/*
 * fs.c - the file-system calls gen/output_set.lua needs and plain Lua lacks.
 *
 * Replacing an output folder atomically takes hard links (unchanged files
 * keep their inode and mtime), fsync of files and folders, and an atomic
 * exchange of two folders (Linux renameat2 RENAME_EXCHANGE). Each function
 * is one system call or close to it; the policy lives in Lua.
 *
 * Every function returns true (or its result) on success and
 * nil, "cannot VERB PATH: reason" on failure, like io.open.
 */
#define _GNU_SOURCE /* renameat2 and RENAME_EXCHANGE */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

/* nil, "cannot VERB PATH: strerror(errno)" */
static int fail(lua_State *L, const char *verb, const char *path)
{
    int err = errno;
    lua_pushnil(L);
    lua_pushfstring(L, "cannot %s %s: %s", verb, path, strerror(err));
    lua_pushinteger(L, err);
    return 3;
}

static int ok(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

/* fs.kind(path) -> "file" | "dir" | "link" | "other" | "none" (lstat) */
static int fs_kind(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;

    if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            return fail(L, "examine", path);
        lua_pushliteral(L, "none");
    } else if (S_ISREG(st.st_mode))
        lua_pushliteral(L, "file");
    else if (S_ISDIR(st.st_mode))
        lua_pushliteral(L, "dir");
    else if (S_ISLNK(st.st_mode))
        lua_pushliteral(L, "link");
    else
        lua_pushliteral(L, "other");
    return 1;
}

/* fs.list(dir) -> { names except . and .. } in directory order */
static int fs_list(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return fail(L, "read folder", path);
    lua_newtable(L);
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    if (errno != 0) {
        int err = errno;
        closedir(d);
        errno = err;
        return fail(L, "read folder", path);
    }
    closedir(d);
    return 1;
}

/* fs.mkdir(path) */
static int fs_mkdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    return mkdir(path, 0777) == 0 ? ok(L) : fail(L, "create folder", path);
}

/*
 * fs.write(path, data): create a new file (it must not exist), write all of
 * data and fsync it, so the file is complete on disk before any rename
 * makes it visible.
 */
static int fs_write(lua_State *L)
{
    size_t len, done = 0;
    const char *path = luaL_checkstring(L, 1);
    const char *data = luaL_checklstring(L, 2, &len);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

    if (fd < 0)
        return fail(L, "create", path);
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            errno = err;
            return fail(L, "write", path);
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return fail(L, "sync", path);
    }
    return close(fd) == 0 ? ok(L) : fail(L, "close", path);
}

/* fs.syncdir(path): make entries created or renamed in a folder durable. */
static int fs_syncdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return fail(L, "open folder", path);
    /* Some file systems cannot fsync a folder (EINVAL); nothing to do then. */
    if (fsync(fd) != 0 && errno != EINVAL) {
        int err = errno;
        close(fd);
        errno = err;
        return fail(L, "sync folder", path);
    }
    close(fd);
    return ok(L);
}

/* fs.link(existing, new): a hard link, so the file keeps inode and mtime. */
static int fs_link(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1);
    const char *to = luaL_checkstring(L, 2);
    return link(from, to) == 0 ? ok(L) : fail(L, "link to", from);
}

/* fs.rename(from, to) */
static int fs_rename(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1);
    const char *to = luaL_checkstring(L, 2);
    return rename(from, to) == 0 ? ok(L) : fail(L, "rename", from);
}

/*
 * fs.exchange(a, b): swap two paths atomically. Returns true, or
 * nil, message, "unsupported" when the system or file system cannot, so
 * the caller falls back to two renames.
 */
static int fs_exchange(lua_State *L)
{
    const char *a = luaL_checkstring(L, 1);
    const char *b = luaL_checkstring(L, 2);
#ifdef RENAME_EXCHANGE
    if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
        return ok(L);
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return fail(L, "exchange", a);
#endif
    lua_pushnil(L);
    lua_pushfstring(L, "cannot exchange %s and %s atomically here", a, b);
    lua_pushliteral(L, "unsupported");
    return 3;
}

/* fs.unlink(path) */
static int fs_unlink(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    return unlink(path) == 0 ? ok(L) : fail(L, "remove", path);
}

/* fs.rmdir(path) */
static int fs_rmdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    return rmdir(path) == 0 ? ok(L) : fail(L, "remove folder", path);
}

/* fs.pid() -> this process's id, which names its temporary folder */
static int fs_pid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)getpid());
    return 1;
}

/* fs.alive(pid) -> whether a process with that id exists */
static int fs_alive(lua_State *L)
{
    lua_Integer pid = luaL_checkinteger(L, 1);

    if (pid <= 0 || (lua_Integer)(pid_t)pid != pid)
        lua_pushboolean(L, 0);
    else
        lua_pushboolean(L, kill((pid_t)pid, 0) == 0 || errno == EPERM);
    return 1;
}

int dwgen_open_fs(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        { "kind", fs_kind },       { "list", fs_list },
        { "mkdir", fs_mkdir },     { "write", fs_write },
        { "syncdir", fs_syncdir }, { "link", fs_link },
        { "rename", fs_rename },   { "exchange", fs_exchange },
        { "unlink", fs_unlink },   { "rmdir", fs_rmdir },
        { "pid", fs_pid },         { "alive", fs_alive },
        { NULL, NULL }
    };
    luaL_newlib(L, funcs);
    return 1;
}
