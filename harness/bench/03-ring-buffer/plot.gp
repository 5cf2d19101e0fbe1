# Lab 03's figure: harness/bench/plot runs this with datadir, lab, out and
# note set (its header lists the data files' columns).
set terminal pngcairo size 1400,600 font "DejaVu Sans,12" noenhanced
set output out
set multiplot layout 1,2 title "Lab 03: one producer thread, one consumer thread, through the lab's rings and the baselines" font ",14" margins 0.07,0.98,0.2,0.88 spacing 0.08
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
set logscale y
set xtics rotate by -20
is_lab(s) = strstrt(s, "lab") == 1 || s eq "shared_ring" || s eq "spsc_4k" ? 0x1f77b4 : 0x9a9a9a

f = datadir."/".lab.".ring-spsc.dat"
set title "8-byte elements through a queue of 1024"
set ylabel "elements per second (M/s, log scale)"
set xrange [-0.6:*]
set offsets 0, 0.6, 0, 0
plot f using 0:($5/1e6):(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:($9/1e6):(0):(($10/1e6)-($9/1e6)) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:($10/1e6*1.1):(sprintf("%.3g M/s", $5/1e6)) with labels offset 0,0.8 notitle

f = datadir."/".lab.".ring-bytes.dat"
set title "4 KiB chunks through 64 KiB of ring (memcpy: one thread)"
set ylabel "bandwidth (GiB/s, log scale)"
plot f using 0:($6/2**30):(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:($11/2**30):(0):(($12/2**30)-($11/2**30)) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:($12/2**30*1.1):(sprintf("%.3g GiB/s", $6/2**30)) with labels offset 0,0.8 notitle
unset multiplot
