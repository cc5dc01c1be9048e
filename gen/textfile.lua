-- textfile.lua - read a whole input file, with a size limit.

local failure = require("failure")

local textfile = {}

textfile.MAX_BYTES = 64 * 1024 * 1024

-- The contents of an input file; unreadable input is an input error.
function textfile.read(path)
  local f, err = io.open(path, "rb")
  if not f then failure.input(nil, "cannot read layer file %s", err) end
  local text, rerr = f:read(textfile.MAX_BYTES + 1)
  f:close()
  if text == nil and rerr then failure.input(nil, "cannot read layer file %s: %s", path, rerr) end
  text = text or ""                     -- read(n) gives nil at the end of an empty file
  if #text > textfile.MAX_BYTES then
    failure.input(path, "file is larger than %d MiB", textfile.MAX_BYTES >> 20)
  end
  return text
end

return textfile
