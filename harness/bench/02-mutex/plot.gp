# Lab 02's figure: harness/bench/plot runs this with datadir, lab, out and
# note set (its header lists the data files' columns).
set terminal pngcairo size 1800,640 font "DejaVu Sans,12" noenhanced
set output out
set multiplot title "Lab 02: the futex mutex against pthread_mutex_t, the chapter's always-wake mutex and a spinlock" font ",15"
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
is_lab(s) = s eq "lab" ? 0x1f77b4 : 0x9a9a9a

# -- uncontended: bars, with the futex calls counted in the separate pass
set origin 0.0,0.1
set size 0.36,0.82
f = datadir."/".lab.".mutex-uncontended.dat"
set title "Uncontended: one acquire + release, one thread"
set ylabel "CPU time per pair (ns, log scale)"
set yrange [1:3000]
set xrange [-0.6:3.6]
fcount(c) = c < 0 ? "" : c >= 1e5 ? sprintf("\n%.2f futex/pair", c/1e6) : sprintf("\n%.0f futex/Mpair", c)
plot f using 0:4:(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:13:(0):($14-$13) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:($14*1.15):(sprintf("%.1f ns%s", $4, fcount($15))) with labels font ",10" offset 0,1.2 notitle

# -- contended: pairs per second against threads, both variants
set xlabel "threads"
set xtics (1, 2, 4)
set logscale x 2
set xrange [0.8:5]
set yrange [*:*]
set key bottom left
set ylabel "pairs per second, all threads (M/s, log scale)"
x = 0.36
do for [v in "0 200"] {
	set origin x,0.1
	set size 0.32,0.82
	x = x + 0.32
	f = datadir."/".lab.".mutex-contended-outside:".v.".blocks.dat"
	stats f using 2 nooutput
	nb = STATS_blocks
	set title (v eq "0" ? "Contended, lock only (2 CPUs)" \
			    : "Contended, ".v." multiplications outside the lock")
	plot for [i=0:nb-1] f index i using 2:($5/1e6):($9/1e6):($10/1e6) with yerrorlines lw (i == 0 ? 3 : 1.5) title columnheader(1)
}
unset multiplot
