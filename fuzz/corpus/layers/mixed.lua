local layers = {}
for i, c in ipairs({8, 16}) do
  layers[#layers + 1] = { name = "lua" .. i, input = {11, 13, c}, kernel = 3, stride = {2, 1},
                          rate = {1, 2}, padding = "VALID", multiplier = 2, activation = "hswish" }
end
layers[#layers + 1] = { name = "any", input = {"*", "*", "*"}, kernel = {5, 3}, stride = 1,
                        padding = {2, 0, 1, 1}, activation = { clamp = {-0.5, 2.25} }, count = 4 }
layers[#layers + 1] = { name = "star", input = "*", kernel = 1, stride = 1, padding = "SAME" }
return layers
