# Lab 01's figure: harness/bench/plot runs this with datadir, lab, out and
# note set (its header lists the data files' columns).
set terminal pngcairo size 1400,600 font "DejaVu Sans,12" noenhanced
set output out
set multiplot layout 1,2 title "Lab 01: the pool with each dispatch strategy, against one shared queue and GLib's GThreadPool" font ",14" margins 0.07,0.98,0.2,0.88 spacing 0.08
set label 1 note at screen 0.01,0.03 font ",10"
set grid ytics
# The lab in blue, as in the bars; baselines in other colours.
set linetype 1 lc rgb "#1f77b4" pt 7
set linetype 2 lc rgb "#2ca02c" pt 5
set linetype 3 lc rgb "#d62728" pt 9
set linetype 4 lc rgb "#ff7f0e" pt 13
set errorbars small
set style fill solid 0.8 border -1
set boxwidth 0.6
set xtics rotate by -20
is_lab(s) = s eq "shared_queue" || s eq "glib" ? 0x9a9a9a : 0x1f77b4

f = datadir."/".lab.".pool-empty_task.dat"
set title "Empty tasks, 2 workers: submitted and completed, 256 in flight"
set ylabel "wall time per task (ns)"
set xrange [-0.6:*]
set yrange [0:*]
set offsets 0, 0.6, graph 0.08, 0
plot f using 0:3:(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:7:(0):($8-$7) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:8:(sprintf("%.0f ns", $3)) with labels offset 0,0.8 notitle

f = datadir."/".lab.".pool-skew_makespan.dat"
stats f using 16 nooutput
ideal = STATS_max
set title "The lab's skewed load, 3 workers: every 6th task 20 ms, others 2 ms"
set ylabel "makespan (ms)"
set key top right
set offsets 0, 0.6, graph 0.12, 0
plot f using 0:($3/1e6):(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:($7/1e6):(0):(($8/1e6)-($7/1e6)) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:($8/1e6):(sprintf("%.1f ms", $3/1e6)) with labels offset 0,0.8 notitle, \
     ideal with lines dt 2 lw 2 lc rgb "black" title sprintf("all work split evenly: %.0f ms", ideal)
unset multiplot
