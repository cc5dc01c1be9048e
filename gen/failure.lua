-- failure.lua - the errors dwgen reports on purpose.
--
-- A reported error is a table { status = N, message = "..." }: the host
-- (main.c) prints "dwgen: message" without a traceback and exits with N.
-- Status 2 is bad input (a layer file, an option), status 1 anything else
-- (I/O, templates). Any other error value is a bug and gets a traceback.

local failure = {}

failure.INPUT = 2
failure.OTHER = 1

-- Raise an input error; `where` is "FILE:LINE" (or nil).
function failure.input(where, fmt, ...)
  local msg = fmt:format(...)
  if where then msg = where .. ": " .. msg end
  error({ status = failure.INPUT, message = msg }, 0)
end

-- Raise an I/O or other non-input error.
function failure.other(fmt, ...)
  error({ status = failure.OTHER, message = fmt:format(...) }, 0)
end

-- Is e an error raised by this module?
function failure.is(e)
  return type(e) == "table" and type(e.message) == "string" and math.type(e.status) == "integer"
end

-- Several input errors as one: the host prints the first line after
-- "dwgen: ", so the others get the same prefix here.
function failure.inputs(messages)
  error({ status = failure.INPUT, message = table.concat(messages, "\ndwgen: ") }, 0)
end

return failure
