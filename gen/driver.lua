-- driver.lua - one run of dwgen: options, layers, kernels, files.
--
-- Everything that can fail on bad input (options, every layer, every
-- template) runs before anything is written, so bad input writes nothing.
--
-- The kernel bodies come from the module kernel_render (gen/kernel_render.lua):
--   text, info = K.source(cfg, ctx)
-- cfg: the normalized configuration (layer_spec.lua): in_h, in_w, channels
--   (0 = any size), kernel_h, kernel_w, stride_h, stride_w, rate_h, rate_w,
--   multiplier, padding ("same" | "valid" | "explicit"), pad_top,
--   pad_bottom, pad_left, pad_right (explicit: as given; same/valid with a
--   fixed size: TensorFlow's effective pads; else 0), out_h, out_w (0 for
--   any size), activation ("none" | "relu" | "relu6" | "hswish" | "clamp"),
--   clamp_min, clamp_max (clamp only; already rounded to float), dtype "f32".
-- ctx: name (function and file name), pack_name (name .. "_pack"), command
--   (the recorded command, safe inside a C comment), version, and
--   render(template_file, env) -> text (template_render.lua).
-- info: { pack = bool (the file defines ctx.pack_name), taps = integer,
--   flops_per_output = number, isa = the DWGEN_ISA_* bits the kernel needs
--   as a C expression (absent: none) }.
-- A configuration K.source refuses ("kernel configuration: ..." errors, see
-- coverage.lua) gets no kernel: its layers are left to the generic kernel,
-- a warning, or with --require-all an input error naming each FILE:LINE.

local host = require("dwgen.host")
local failure = require("failure")
local options = require("options")
local spec = require("layer_spec")
local naming = require("naming")
local template_render = require("template_render")
local registry_emit = require("registry_emit")
local output_set = require("output_set")
local coverage = require("coverage")

local driver = {}

local MAX_REPORTED = 20     -- input errors reported in one run

-- xpcall handler: reported errors stay as they are, bugs get a traceback.
function driver.keep_or_trace(e)
  if failure.is(e) then return e end
  return debug.traceback(tostring(e), 2)
end

-- The raw layers of every input, in order (see layer_spec.lua).
local function read_inputs(o)
  local raws = {}
  for _, input in ipairs(o.inputs) do
    if input.layer then
      raws[#raws + 1] = require("layer_arg").read(input.layer, input.index)
    else
      local ext = input.file:match("%.(%w+)$")
      ext = ext and ext:lower()
      local reader = ext == "tsv" and "layer_tsv" or ext == "lua" and "layer_luafile"
      if not reader then
        failure.input(nil, "%s: unknown layer file type (expected FILE.tsv or FILE.lua)", input.file)
      end
      for _, raw in ipairs(require(reader).read(input.file)) do raws[#raws + 1] = raw end
    end
  end
  return raws
end

-- Normalize every layer, reporting all bad layers at once.
local function normalize(raws)
  local layers, errors = {}, {}
  for _, raw in ipairs(raws) do
    local ok, layer = xpcall(spec.normalize, driver.keep_or_trace, raw)
    if ok then
      layers[#layers + 1] = layer
    elseif failure.is(layer) then
      errors[#errors + 1] = layer.message
    else
      error(layer, 0)
    end
  end
  if #errors > MAX_REPORTED then
    local more = #errors - MAX_REPORTED
    for k = #errors, MAX_REPORTED + 1, -1 do errors[k] = nil end
    errors[#errors + 1] = ("... and %d more bad layer%s"):format(more, more > 1 and "s" or "")
  end
  if #errors > 0 then failure.inputs(errors) end
  return layers
end

-- The distinct kernels, in order of first use, and each layer's kernel names.
local function plan(layers, o)
  local kernels, by_name = {}, {}
  local function use(layer, cfg)
    local name = naming.kernel(o.prefix, cfg)
    if not by_name[name] then
      by_name[name] = { name = name, cfg = cfg, layer = layer }
      kernels[#kernels + 1] = by_name[name]
    end
    layer.kernels[#layer.kernels + 1] = name
  end
  for _, layer in ipairs(layers) do
    layer.kernels = {}
    layer.cfg.target = o.target       -- --target: kernel_render's and naming's cfg.target
    local any = layer.cfg.in_h == 0
    if o.specialize ~= "config" then use(layer, layer.cfg) end
    if o.specialize ~= "shape" and not any then use(layer, spec.any_shape(layer.cfg)) end
  end
  return kernels
end

local function shape_text(h, w, c)
  if h == 0 then return "*x*x*" end
  return ("%dx%dx%d"):format(h, w, c)
end

-- --list: one line a layer, tab-separated; the kernels that serve it
-- ("generic" when none does) and its cost (coverage.cost).
local function list(layers)
  io.write("source\tname\tinput\toutput\tcount\tkernel\tflops\tbytes\n")
  for _, l in ipairs(layers) do
    local c = l.cfg
    local flops, bytes = coverage.cost(l)
    io.write(("%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n"):format(l.source, l.name,
      shape_text(c.in_h, c.in_w, c.channels),
      shape_text(c.out_h, c.out_w, c.channels * c.multiplier), l.count,
      #l.served > 0 and table.concat(l.served, ",") or "generic", flops, bytes))
  end
end

-- Render one kernel with kernel_render; errors say which kernel and layer.
-- A configuration the module refuses (coverage.refusal) is no error: it
-- returns nil and the reason, and the layer is left to the generic kernel.
local function render_kernel(K, k, o, render)
  local ctx = { name = k.name, pack_name = k.name .. "_pack", command = o.command,
                version = host.version, render = render }
  local function handler(e)
    local why = coverage.refusal(e)
    if why then return { refused = why } end
    return driver.keep_or_trace(e)
  end
  local ok, text, info = xpcall(K.source, handler, spec.copy(k.cfg), ctx)
  local context = ("(kernel %s, first used by %s, %s)"):format(k.name, k.layer.name, k.layer.source)
  if not ok and type(text) == "table" and text.refused then return nil, text.refused end
  if not ok then
    if failure.is(text) then failure.other("%s %s", text.message, context) end
    error(("kernel_render failed %s: %s"):format(context, text), 0)
  end
  if type(text) ~= "string" or type(info) ~= "table" or type(info.pack) ~= "boolean" then
    failure.other("kernel_render.source returned no text or no info.pack %s", context)
  end
  return text, info
end

-- Make the kernel module loadable from DIR (--modules), before the built-in.
local function prefer_modules(dir)
  table.insert(package.searchers, 2, function(name)
    local path = dir .. "/" .. name:gsub("%.", "/") .. ".lua"
    local f = io.open(path, "rb")
    if not f then return ("no file '%s'"):format(path) end
    local text = f:read("a")
    f:close()
    local chunk, err = load(text, "@" .. path, "t")
    if not chunk then error(err, 0) end
    return chunk, path
  end)
end

local function check_folder(opt, dir)
  local kind = require("dwgen.fs").kind(dir)
  if kind ~= "dir" and kind ~= "link" then
    failure.input(nil, "%s %s: not a folder", opt, dir)
  end
end

-- The whole run; returns the exit status.
function driver.main(args)
  local o = options.parse(args)
  if o.help then
    io.write(options.HELP)
    return 0
  end
  if o.version then
    io.write("dwgen ", host.version, "\n")
    return 0
  end
  options.check(o)
  if o.templates then check_folder("--templates", o.templates) end
  if o.modules then
    check_folder("--modules", o.modules)
    prefer_modules(o.modules)
  end

  local layers = normalize(read_inputs(o))
  local kernels = plan(layers, o)

  -- Render every kernel (--list too: the module decides what it refuses),
  -- then check which layers the set covers before writing or listing.
  local render = template_render.new(o.templates)
  local found, K = pcall(require, "kernel_render")
  if not found then failure.other("cannot load the kernel module kernel_render: %s", K) end
  local files, made = {}, {}
  for _, k in ipairs(kernels) do
    local text, info = render_kernel(K, k, o, render)
    if text then
      k.pack = info.pack
      k.isa = info.isa
      files[k.name .. ".c"] = text
      made[#made + 1] = k
    else
      k.refused = info
    end
  end
  local uncovered = coverage.mark(layers, kernels)
  local messages = {}
  for i, l in ipairs(uncovered) do
    if i > MAX_REPORTED then
      messages[#messages + 1] = ("... and %d more such layers"):format(#uncovered - MAX_REPORTED)
      break
    end
    messages[#messages + 1] = coverage.message(l)
  end
  if #messages > 0 and o.require_all then
    messages[#messages] = messages[#messages] .. " (--require-all)"
    failure.inputs(messages)
  end
  if #made == 0 and not o.list then
    -- An empty kernel table is no valid C (templates/registry.c.in).
    messages[#messages + 1] = "no layer gets a specialized kernel: nothing to generate"
    failure.inputs(messages)
  end
  for _, m in ipairs(messages) do io.stderr:write("dwgen: warning: ", m, "\n") end
  if o.list then
    list(layers)
    return 0
  end

  local extra = registry_emit.files(render, made, layers, {
    registry = o.registry, version = host.version, command = o.command,
  })
  for name, text in pairs(extra) do files[name] = text end
  output_set.replace(o.output, files)
  return 0
end

return driver
