-- options.lua - dwgen's command line: parsing, checks and --help.

local failure = require("failure")
local suggest = require("suggest")

local options = {}

options.HELP = [[
Usage: dwgen [OPTION]... [LAYER_FILE]...
Generate specialized C depthwise-convolution kernels (tf.nn.depthwise_conv2d
semantics) for the layers listed, plus a registry the dwgen runtime searches.

Input (all layers of all inputs, in command-line order):
  LAYER_FILE          a layer table: FILE.tsv or FILE.lua (see below)
  --layer SPEC        one layer, e.g. 'in=112x112x32 k=3x3 s=2 r=1 pad=same m=1 act=relu6';
                      repeatable. Keys: in=HxWxC (*x*x*: any size), k=KH[xKW],
                      s=S[xSW], r=R[xRW] (default 1), pad=same|valid|T,B,L,R
                      (explicit top,bottom,left,right), m=M (default 1),
                      act=none|relu|relu6|hswish|clamp:MIN:MAX (default none),
                      name=NAME (default layerN), count=N (default 1)

Output:
  -o, --output DIR    write the kernel set into DIR, replacing the set a previous
                      run wrote there as a whole (atomically: DIR holds the old set
                      or the new one, never a mix; unchanged files keep their mtime;
                      files no longer produced disappear). DIR must be new, empty
                      or a dwgen set (it has a .dwgen-manifest); dwgen refuses others
  --list              print each layer (tab-separated: source, name, input, output,
                      count, kernel, flops, bytes) and write nothing. kernel: the
                      kernels that serve it, or "generic" when none will; flops and
                      bytes: per inference, for all its count layers, 2*KH*KW*OH*OW*C*M
                      and the fp32 input, output, filter and bias ("*": any size)
  --require-all       fail (exit 2, naming each FILE:LINE) when a layer would get
                      no specialized kernel and run on the generic one: its
                      configuration is beyond what the kernels specialize (images
                      of 2^31 elements or more; kernel size, stride, rate, multiplier
                      or pad above 65535). Without it such a layer is a warning
                      (and a set left with no kernel at all, an error)
  --specialize KIND   shape: kernels for the exact input size (default);
                      config: kernels for any input size (H, W, C are 0 in the key);
                      both: both levels (the registry prefers the exact size)
  --target T          c: portable C99 kernels (default); avx2: x86-64 AVX2+FMA
                      intrinsics; avx512: x86-64 AVX-512F intrinsics. The SIMD
                      targets specialize shape-specialized kernels (__any ones
                      are the C body), names end in __avx2 or __avx512, files
                      build with any flags but must run on CPUs with the set
  --prefix P          start kernel names with P instead of "dwconv", so two sets
                      can be linked into one program
  --registry NAME     the registry variable's name (default dwgen_registry_generated)
  --templates DIR     read templates from DIR first (built-in ones otherwise)
  --modules DIR       load the kernel module (kernel_render.lua and what it
                      requires) from DIR first, for developing it without rebuilding
  -h, --help          show this help and exit
  --version           show the version and exit

Files written into DIR:
  NAME.c              one per distinct kernel; layers with equal configurations
                      share one. NAME, the C function, spells out the configuration:
                        dwconv_f32_k{KH}x{KW}_s{SH}x{SW}_r{RH}x{RW}_{PAD}_m{M}__{SHAPE}_{ACT}
                      PAD: same | valid | pad{T}_{B}_{L}_{R}; SHAPE: {H}x{W}x{C} or any;
                      ACT: none | relu | relu6 | hswish | clamp{MIN}_{MAX}, bounds in %g
                      with '-' -> 'n', '.' -> 'p', '+' dropped (more digits only when
                      %g would not give back the same float).
                      e.g. dwconv_f32_k3x3_s2x2_r1x1_same_m1__112x112x32_relu6
  dwgen_kernels.h     prototypes of every kernel (and pack function) and
                      extern const dwgen_registry NAME;
  dwgen_registry.c    the kernel table, the table of every input layer, the registry
  .dwgen-manifest     the list of files of the set
Every file records the dwgen version, its template and the command (without
-o, --templates and --modules, so regenerating elsewhere gives the same bytes).

TSV layer files (as models/*.tsv): tab-separated, the header row names the
columns, '#' lines and blank lines are skipped, an empty cell is "not given".
  name, in_h, in_w, channels ('*' = any size), kernel_h, kernel_w,
  stride (or stride_h and stride_w, which override it), rate (or rate_h,
  rate_w; default 1), padding (SAME | VALID | EXPLICIT, any case),
  pad_top, pad_bottom, pad_left, pad_right (EXPLICIT), multiplier (default 1),
  activation (none | relu | relu6 | hswish | clamp; default none),
  clamp_min, clamp_max (clamp), count (default 1)

Lua layer files return a list of layer tables:
  return { { name = "b1", input = {112, 112, 32}, kernel = {3, 3}, stride = 2,
             rate = 1, padding = "SAME", multiplier = 1, activation = "relu6",
             count = 1 }, ... }
  input may be {"*", "*", "*"}; kernel, stride, rate: N or {N_h, N_w};
  padding: "SAME" | "VALID" | {top, bottom, left, right};
  activation: "none" | "relu" | "relu6" | "hswish" | {clamp = {min, max}}.
  The file runs in a sandbox: no io, os, require, load or debug, at most 10
  million instructions, 64 MiB and 5 seconds of CPU time.

Exit status: 0 success, 2 bad input (layer file or option, or with
--require-all a layer without a specialized kernel; nothing is written),
1 other failures (I/O, templates).
]]

-- Options taking a value, and the field each sets; flags.
local VALUED = {
  ["--output"] = "output", ["--layer"] = "layer", ["--specialize"] = "specialize",
  ["--prefix"] = "prefix", ["--registry"] = "registry", ["--templates"] = "templates",
  ["--modules"] = "modules", ["--target"] = "target",
}
local FLAGS = { ["--list"] = "list", ["--help"] = "help", ["--version"] = "version",
                ["--require-all"] = "require_all" }
local SHORT = { ["-o"] = "--output", ["-h"] = "--help" }

-- Options about where files are, or that change no byte (--require-all),
-- left out of the recorded command.
local UNRECORDED = { output = true, templates = true, modules = true, require_all = true }

local SPECIALIZE = { "shape", "config", "both" }
local TARGETS = { "c", "avx2", "avx512" }

-- A word the shell passes through unchanged, or the word single-quoted;
-- control characters become '?', and "*/" and "/*" are broken up, as the
-- command goes into C comments.
local function shell_word(s)
  s = s:gsub("%c", "?"):gsub("%*/", "*\\/"):gsub("/%*", "/\\*")
  if s:match("^[%w%-_./=:,+@%%]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function all_names()
  local names = {}
  for k in pairs(VALUED) do names[#names + 1] = k end
  for k in pairs(FLAGS) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- Parse argv (without the program name) into an options table:
-- inputs = list of { file = PATH } | { layer = SPEC, index = N }, output,
-- specialize, target, prefix, registry, templates, modules, list, require_all,
-- help, version, command (the recorded command line).
function options.parse(args)
  local o = { inputs = {}, specialize = "shape", target = "c", prefix = "dwconv",
              registry = "dwgen_registry_generated" }
  local recorded = { "dwgen" }
  local layers, i, only_files = 0, 1, false
  local seen = {}
  while i <= #args do
    local a = args[i]
    local name, value, field
    if not only_files and a == "--" then
      only_files = true
      recorded[#recorded + 1] = a
    elseif not only_files and a:sub(1, 1) == "-" and a ~= "-" then
      name, value = a:match("^(%-%-[^=]+)=(.*)$")
      name = name or SHORT[a] or a
      field = VALUED[name] or FLAGS[name]
      if not field then
        failure.input(nil, "unknown option '%s'%s (see dwgen --help)", a,
                      suggest.hint(name, all_names()))
      end
      local words = { a }
      if VALUED[name] then
        if value == nil then
          i = i + 1
          value = args[i]
          if value == nil then failure.input(nil, "option %s needs a value (see dwgen --help)", a) end
          words[2] = value
        end
      elseif value ~= nil then
        failure.input(nil, "option %s takes no value", name)
      end
      if field == "layer" then
        layers = layers + 1
        o.inputs[#o.inputs + 1] = { layer = value, index = layers }
      else
        if seen[field] then failure.input(nil, "option %s is given twice", name) end
        seen[field] = true
        o[field] = value == nil and true or value
      end
      if not UNRECORDED[field] then
        for _, w in ipairs(words) do recorded[#recorded + 1] = w end
      end
    else
      o.inputs[#o.inputs + 1] = { file = a }
      recorded[#recorded + 1] = a
    end
    i = i + 1
  end
  for k, w in ipairs(recorded) do recorded[k] = shell_word(w) end
  o.command = table.concat(recorded, " ")
  return o
end

-- Checks that need the whole command line; not run for --help/--version.
function options.check(o)
  local function identifier(opt, v)
    if not v:match("^[%a_][%w_]*$") then
      failure.input(nil, "%s must be a C identifier (got '%s')", opt, v)
    end
  end
  identifier("--prefix", o.prefix)
  identifier("--registry", o.registry)
  local ok = false
  for _, s in ipairs(SPECIALIZE) do ok = ok or s == o.specialize end
  if not ok then
    failure.input(nil, "--specialize must be %s (got '%s')%s", suggest.alternatives(SPECIALIZE),
                  o.specialize, suggest.hint(o.specialize, SPECIALIZE))
  end
  ok = false
  for _, t in ipairs(TARGETS) do ok = ok or t == o.target end
  if not ok then
    failure.input(nil, "--target must be %s (got '%s')%s", suggest.alternatives(TARGETS),
                  o.target, suggest.hint(o.target, TARGETS))
  end
  if #o.inputs == 0 then
    failure.input(nil, "no layers: name a layer file or use --layer (see dwgen --help)")
  end
  if o.list and o.output then failure.input(nil, "--list writes nothing: use it without -o") end
  if not o.list and not o.output then
    failure.input(nil, "no output folder: use -o DIR (or --list to only print the layers)")
  end
end

return options
