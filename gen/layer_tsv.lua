-- layer_tsv.lua - read a layer table (models/*.tsv) into raw layers.
--
-- Tab-separated, the first row names the columns (any order, any case).
-- Blank lines and lines starting with '#' are skipped. An empty cell means
-- "not given". Columns: name, in_h, in_w, channels ('*' = any size),
-- kernel_h, kernel_w, stride (or stride_h/stride_w, which override it),
-- rate (or rate_h/rate_w; default 1), padding (SAME, VALID, EXPLICIT),
-- pad_top/pad_bottom/pad_left/pad_right (EXPLICIT), multiplier (default 1),
-- activation (none, relu, relu6, hswish, clamp; default none),
-- clamp_min/clamp_max (clamp), count (default 1).

local failure = require("failure")
local suggest = require("suggest")
local textfile = require("textfile")

local tsv = {}

tsv.COLUMNS = {
  "name", "in_h", "in_w", "channels", "kernel_h", "kernel_w",
  "stride", "stride_h", "stride_w", "rate", "rate_h", "rate_w",
  "padding", "pad_top", "pad_bottom", "pad_left", "pad_right",
  "multiplier", "activation", "clamp_min", "clamp_max", "count",
}

-- Columns that set two fields; the specific columns win over them.
local BOTH = { stride = { "stride_h", "stride_w" }, rate = { "rate_h", "rate_w" } }

-- How to ask for a missing field in this syntax.
local SPELLING = {
  stride_h = "stride (or stride_h)", stride_w = "stride (or stride_w)",
}
for _, c in ipairs(tsv.COLUMNS) do SPELLING[c] = SPELLING[c] or c end

-- A cell without surrounding blanks, in linear time ("^%s*(.-)%s*$" is
-- quadratic in a long run of blanks).
local function trim(cell)
  if not cell:find("%S") then return "" end
  return cell:match("^%s*(.*%S)")
end

local function split_tabs(line)
  local cells = {}
  for cell in (line .. "\t"):gmatch("([^\t]*)\t") do
    cells[#cells + 1] = trim(cell)
  end
  return cells
end

-- Check the header row; returns the lower-cased column names.
local function read_header(cells, where)
  local known, seen = {}, {}
  for _, c in ipairs(tsv.COLUMNS) do known[c] = true end
  for i, cell in ipairs(cells) do
    local c = cell:lower()
    if c == "" then failure.input(where, "column %d has no name in the header row", i) end
    if not known[c] then
      failure.input(where, "unknown column '%s'%s", cell, suggest.hint(c, tsv.COLUMNS))
    end
    if seen[c] then failure.input(where, "column '%s' appears twice", cell) end
    seen[c] = true
    cells[i] = c
  end
  local function need(c, alt1, alt2)
    if not seen[c] and not (alt1 and seen[alt1] and (alt2 == nil or seen[alt2])) then
      failure.input(where, "missing column '%s'%s", c,
                    alt1 and (" (or %s)"):format(alt2 and alt1 .. " and " .. alt2 or alt1) or "")
    end
  end
  for _, c in ipairs({ "name", "in_h", "in_w", "channels", "kernel_h", "kernel_w" }) do need(c) end
  need("stride", "stride_h", "stride_w")
  need("padding", "pad_top")
  return cells
end

-- The raw layers of one TSV file (see layer_spec.lua).
function tsv.read(path)
  local text = textfile.read(path)
  local columns, layers = nil, {}
  local lineno = 0
  for line in (text:gsub("\n$", "") .. "\n"):gmatch("([^\n]*)\n") do
    lineno = lineno + 1
    line = line:gsub("\r$", "")
    local where = ("%s:%d"):format(path, lineno)
    if line:match("^%s*$") or line:match("^#") then
      -- blank or comment
    elseif not columns then
      columns = read_header(split_tabs(line), where)
    else
      local cells = split_tabs(line)
      if #cells ~= #columns then
        failure.input(where, "row has %d cells but the header has %d columns", #cells, #columns)
      end
      local raw = { where = where, values = {}, labels = {}, spelling = SPELLING }
      local function set(field, value, label)
        raw.values[field], raw.labels[field] = value, label
      end
      for i, c in ipairs(columns) do
        if cells[i] ~= "" and BOTH[c] then
          set(BOTH[c][1], cells[i], c)
          set(BOTH[c][2], cells[i], c)
        end
      end
      for i, c in ipairs(columns) do
        if cells[i] ~= "" and not BOTH[c] then set(c, cells[i], c) end
      end
      layers[#layers + 1] = raw
    end
  end
  if #layers == 0 then
    failure.input(path, columns and "no layers (a header row but no rows)" or "no layers (empty file)")
  end
  return layers
end

return tsv
