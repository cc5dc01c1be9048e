-- suggest.lua - "did you mean" for misspelt keys, columns and values.

local suggest = {}

-- Edit distance between two short strings, case-insensitive: insertions,
-- deletions, substitutions and swaps of neighbours ("smae") cost 1 each.
local function distance(a, b)
  a, b = a:lower(), b:lower()
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      d[i][j] = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d[i][j] = math.min(d[i][j], d[i - 2][j - 2] + 1)
      end
    end
  end
  return d[#a][#b]
end

-- " (did you mean 'x'?)" for the closest candidate within a third of the
-- word's length (at least 1, at most 3 edits), or "".
function suggest.hint(word, candidates)
  local best, best_d
  local limit = math.max(1, math.min(3, #word // 3))
  for _, c in ipairs(candidates) do
    -- The length difference is a lower bound of the distance: skipping far
    -- lengths keeps a huge word from costing #word x #c.
    local d = math.abs(#word - #c) <= limit and distance(word, c) or limit + 1
    if d <= limit and (best_d == nil or d < best_d) then best, best_d = c, d end
  end
  return best and (" (did you mean '%s'?)"):format(best) or ""
end

-- "a, b or c" for messages that list what is allowed.
function suggest.alternatives(list)
  if #list == 1 then return list[1] end
  return table.concat(list, ", ", 1, #list - 1) .. " or " .. list[#list]
end

return suggest
