# bench/plot.gp - the chart of `make bench`: per layer (and per model total),
# how many times faster dwgen's specialized kernel is than each peer.
#
#   gnuplot -e "data='build/bench/speedups.tsv'; out='build/bench/speedups.png'" bench/plot.gp
#
# The data is what the benchmark writes: a header "layer<TAB>peer...", then
# one row per "model/layer" with the median of same-round time ratios
# (peer time / dwgen time); above the dashed line at 1, dwgen is faster.

if (!exists("data")) data = 'build/bench/speedups.tsv'
if (!exists("out")) out = 'build/bench/speedups.png'

set datafile separator "\t"
set datafile columnheaders
stats data using 2 nooutput
rows = STATS_records
peers = STATS_columns - 1

# Wide enough for every label: about 14 pixels per bar.
width = rows * (peers + 1) * 14 + 200
set terminal pngcairo size (width < 900 ? 900 : width), 700 font ",10"
set output out

set title "dwgen specialized kernel vs peers, one thread: speedup = peer time / dwgen time" \
    noenhanced
set ylabel "speedup (median of same-round ratios, log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
# Log scale: a 4x win and a 4x loss are equally far from the line at 1.
set logscale y 2
set grid ytics
set key outside top center horizontal noenhanced
set xtics rotate by -60 font ",8" noenhanced
set bmargin 14
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linewidth 1.5 front

plot for [i=2:peers + 1] data using i:xtic(1) title columnheader(i)
