-- output_set.lua - replace an output folder's files as one set.
--
-- The folder DIR is the set: dwgen's files plus a manifest naming them. To
-- replace it, the new set is built complete in a sibling DIR.dwgen-tmp-PID
-- (files whose bytes did not change are hard-linked from the old set, so
-- they keep inode and mtime; copied where links are unsupported), synced,
-- and swapped with DIR in one atomic renameat2(RENAME_EXCHANGE); the old
-- set, now at the temporary name, is then removed. Where the exchange is
-- unsupported, DIR moves aside to DIR.dwgen-old-PID and the new set takes
-- its place (two renames; a crash between them is repaired by the next
-- run, which moves the old set back).
--
-- So after any failure, even SIGKILL, DIR holds the complete old set or the
-- complete new one. Leftovers of interrupted runs are cleaned at the start.
-- A run that changes nothing writes nothing. A non-empty DIR without a
-- manifest, or with files the manifest does not list, is refused: those
-- are someone's files, not a set dwgen may delete.

local fs = require("dwgen.fs")
local failure = require("failure")

local set = {}

set.MANIFEST = ".dwgen-manifest"
local MANIFEST_HEAD = "# dwgen output set: dwgen replaces these files together; add no others.\n"

local function check(ok, err)
  if not ok then failure.other("%s", err) end
  return ok
end

local function join(parent, name)
  if parent == "." then return name end
  if parent == "/" then return "/" .. name end
  return parent .. "/" .. name
end

local function read(path)
  local f, err = io.open(path, "rb")
  if not f then failure.other("cannot read %s", err) end
  local text, rerr = f:read("a")
  f:close()
  if not text then failure.other("cannot read %s: %s", path, rerr) end
  return text
end

-- DIR without trailing slashes, its parent and its last component.
local function split(dir)
  local clean = dir:gsub("/+$", "")
  local parent, base = clean:match("^(.*)/([^/]*)$")
  if not parent then parent, base = ".", clean end
  if parent == "" then parent = "/" end
  if clean == "" or base == "." or base == ".." then
    failure.input(nil, "cannot use '%s' as the output folder: name a folder dwgen may replace", dir)
  end
  return clean, parent, base
end

-- mkdir -p for the parent folder.
local function make_folders(path)
  local prefix = path:sub(1, 1) == "/" and "" or nil
  for part in path:gmatch("[^/]+") do
    prefix = prefix and prefix .. "/" .. part or part
    local kind = check(fs.kind(prefix))
    if kind == "none" then
      check(fs.mkdir(prefix))
    elseif kind ~= "dir" and not (kind == "link" and fs.list(prefix)) then
      failure.other("cannot create %s: %s is not a folder", path, prefix)
    end
  end
end

-- Remove a folder of dwgen files (never anything but plain files in it).
local function remove_set(path)
  for _, name in ipairs(check(fs.list(path))) do
    local p = join(path, name)
    if check(fs.kind(p)) ~= "file" then
      failure.other("%s is not a plain file; remove %s by hand", p, path)
    end
    check(fs.unlink(p))
  end
  check(fs.rmdir(path))
end

-- Clean what an interrupted run (of a process that is gone) left behind.
local function recover(dir, parent, base)
  local names = fs.list(parent)
  if not names then return end
  local pattern = "^" .. base:gsub("%p", "%%%0") .. "%.dwgen%-(%l+)%-(%d+)$"
  table.sort(names)
  for _, name in ipairs(names) do
    local kind, pid = name:match(pattern)
    pid = tonumber(pid)
    if (kind == "tmp" or kind == "old") and (pid == fs.pid() or not fs.alive(pid)) then
      local path = join(parent, name)
      if kind == "old" and check(fs.kind(dir)) == "none" then
        check(fs.rename(path, dir))     -- a fallback swap cut in half: undo it
      else
        remove_set(path)
      end
    end
  end
end

-- The names in the old set, or nil when DIR does not exist.
local function old_set(dir)
  local kind = check(fs.kind(dir))
  if kind == "none" then return nil end
  if kind ~= "dir" then
    failure.other("%s exists and is not a folder (a symbolic link is not replaced either)", dir)
  end
  local names = check(fs.list(dir))
  local old = {}
  if #names == 0 then return old end
  local mpath = join(dir, set.MANIFEST)
  if check(fs.kind(mpath)) ~= "file" then
    failure.other("%s is not empty and has no %s, so dwgen did not write it;"
                  .. " refusing to replace it (choose an empty or new folder)", dir, set.MANIFEST)
  end
  local listed = {}
  for line in read(mpath):gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" then listed[line] = true end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local p = join(dir, name)
    if name ~= set.MANIFEST and not listed[name] then
      failure.other("%s is not a file dwgen wrote (%s does not list it); refusing to replace %s",
                    p, set.MANIFEST, dir)
    end
    if check(fs.kind(p)) ~= "file" then
      failure.other("%s is not a plain file; refusing to replace %s", p, dir)
    end
    old[name] = true
  end
  return old
end

-- Make DIR hold exactly `files` ({ name = text }). Returns whether
-- anything changed.
function set.replace(dir, files)
  local parent, base
  dir, parent, base = split(dir)
  make_folders(parent)
  recover(dir, parent, base)
  local old = old_set(dir)

  local names = {}
  for name in pairs(files) do names[#names + 1] = name end
  table.sort(names)
  files[set.MANIFEST] = MANIFEST_HEAD .. table.concat(names, "\n") .. "\n"
  table.insert(names, 1, set.MANIFEST)

  local same, changed = {}, old == nil
  for _, name in ipairs(names) do
    if old and old[name] and read(join(dir, name)) == files[name] then
      same[name] = true
    else
      changed = true
    end
  end
  for name in pairs(old or {}) do
    if files[name] == nil then changed = true end
  end
  if not changed then return false end

  local tmp = join(parent, ("%s.dwgen-tmp-%d"):format(base, fs.pid()))
  check(fs.mkdir(tmp))
  local ok, err = pcall(function()
    for _, name in ipairs(names) do
      if same[name] and fs.link(join(dir, name), join(tmp, name)) then
        -- the unchanged file keeps its inode and mtime
      else
        check(fs.write(join(tmp, name), files[name]))
      end
    end
    check(fs.syncdir(tmp))
    if old == nil then
      check(fs.rename(tmp, dir))
      return
    end
    local swapped, xerr, why = fs.exchange(tmp, dir)
    if not swapped and why ~= "unsupported" then failure.other("%s", xerr) end
    if not swapped then
      local aside = join(parent, ("%s.dwgen-old-%d"):format(base, fs.pid()))
      check(fs.rename(dir, aside))
      local moved, merr = fs.rename(tmp, dir)
      if not moved then
        fs.rename(aside, dir)           -- put the old set back
        failure.other("%s", merr)
      end
      tmp = aside
    end
  end)
  if not ok then
    if fs.kind(tmp) == "dir" then pcall(remove_set, tmp) end
    error(err, 0)
  end
  check(fs.syncdir(parent))
  if fs.kind(tmp) == "dir" then remove_set(tmp) end   -- the old set
  return true
end

return set
