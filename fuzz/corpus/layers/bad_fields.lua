return {
  { name = "a", input = {8, 8, 1}, kernel = 3, strides = 1, padding = "SAME" },
  { name = "b", input = {8, 8}, kernel = {3, 0}, stride = 1, padding = {1, 2, 3} },
  { name = "c", input = {8, 8, 1}, kernel = 3.5, stride = 1, padding = "SAME", activation = { clamp = {2, 1} } },
  { input = {8, 8, 1}, kernel = 3, stride = 1, padding = "SAME" },
  "not a table",
}
