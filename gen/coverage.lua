-- coverage.lua - which layers the generated registry will serve with a
-- specialized kernel, and which the runtime will leave to the generic one.
--
-- The kernel module may refuse a configuration it cannot specialize: it
-- raises an error whose message starts with "kernel configuration: " (today
-- for images of 2^31 elements or more, and kernel sizes, strides, rates,
-- multipliers or pads above 65535; layers the runtime accepts and the
-- generic kernel runs). dwgen leaves such kernels out of the set. A layer is
-- covered when a kernel of the set serves it under the runtime's own rule
-- (runtime/registry.c): every configuration field equal, and in_h, in_w,
-- channels equal or 0 in the key ("any size"). Checking the rule rather
-- than the names the layer asked for also catches keys that would not
-- match their layer.

local coverage = {}

local REFUSAL = "^kernel configuration: "

-- The reason of a refusal raised by the kernel module, or nil for any other error.
function coverage.refusal(e)
  if type(e) == "string" and e:find(REFUSAL) then
    return (e:gsub(REFUSAL, ""):gsub("\n.*", ""))
  end
  return nil
end

local CONFIG = { "kernel_h", "kernel_w", "stride_h", "stride_w", "rate_h", "rate_w",
                 "padding", "multiplier", "activation", "dtype" }
local PADS = { "pad_top", "pad_bottom", "pad_left", "pad_right" }
local SIZES = { "in_h", "in_w", "channels" }

-- Does the kernel whose configuration is key serve a layer with
-- configuration cfg? The predicate of runtime/registry.c.
function coverage.serves(key, cfg)
  for _, f in ipairs(CONFIG) do
    if key[f] ~= cfg[f] then return false end
  end
  if cfg.padding == "explicit" then
    for _, f in ipairs(PADS) do
      if key[f] ~= cfg[f] then return false end
    end
  end
  if cfg.activation == "clamp" and
     (key.clamp_min ~= cfg.clamp_min or key.clamp_max ~= cfg.clamp_max) then
    return false
  end
  for _, f in ipairs(SIZES) do
    if key[f] ~= 0 and key[f] ~= cfg[f] then return false end
  end
  return true
end

-- Mark every layer with the kernels of the set that serve it:
-- layer.served = names (most specific first, as the runtime prefers), and
-- for a layer no kernel serves, layer.fallback = why (the refusals of the
-- kernels it asked for). kernels: { name, cfg, refused = reason or nil }.
-- Returns the list of layers left to the generic kernel.
function coverage.mark(layers, kernels)
  local by_name, uncovered = {}, {}
  for _, k in ipairs(kernels) do by_name[k.name] = k end
  for _, layer in ipairs(layers) do
    local exact, any = {}, {}
    for _, k in ipairs(kernels) do
      if not k.refused and coverage.serves(k.cfg, layer.cfg) then
        local list = k.cfg.in_h == 0 and any or exact
        list[#list + 1] = k.name
      end
    end
    for _, name in ipairs(any) do exact[#exact + 1] = name end
    layer.served = exact
    if #exact == 0 then
      local why = {}
      for _, name in ipairs(layer.kernels) do
        local k = by_name[name]
        if k and k.refused then why[#why + 1] = ("%s: %s"):format(name, k.refused) end
      end
      if #why == 0 then why[1] = "no kernel of the set matches it" end
      layer.fallback = table.concat(why, "; ")
      uncovered[#uncovered + 1] = layer
    end
  end
  return uncovered
end

-- The message for a layer left to the generic kernel.
function coverage.message(layer)
  return ("%s: layer %s gets no specialized kernel (%s); the generic kernel would run it")
    :format(layer.source, layer.name, layer.fallback)
end

-- Cost of a layer's row per inference, count layers included: FLOPs
-- (a multiply and an add per tap and output element) and bytes moved
-- (fp32 input, output, filter and bias). Both "*" for any-size layers.
function coverage.cost(layer)
  local c = layer.cfg
  if c.in_h == 0 then return "*", "*" end
  local oc = c.channels * c.multiplier
  local flops = 2.0 * c.kernel_h * c.kernel_w * c.out_h * c.out_w * oc * layer.count
  local elems = c.in_h * c.in_w * c.channels + c.out_h * c.out_w * oc
                + c.kernel_h * c.kernel_w * oc + oc
  local bytes = 4.0 * elems * layer.count
  return ("%.0f"):format(flops), ("%.0f"):format(bytes)
end

return coverage
