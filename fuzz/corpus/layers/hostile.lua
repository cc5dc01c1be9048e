local s = string.rep("", 1 << 62)
table.move({}, 1, math.maxinteger - 1, 2)
return os.execute("true")
