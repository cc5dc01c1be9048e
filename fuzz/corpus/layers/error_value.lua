local t = {}
error(t, 0)
