# Lab 04's figure: harness/bench/plot runs this with datadir, lab, out and
# note set (its header lists the data files' columns).
set terminal pngcairo size 1900,600 font "DejaVu Sans,12" noenhanced
set output out
set multiplot layout 1,3 title "Lab 04: a pool actor's mailbox and round trip, against a mutex + condvar thread and a bare wfcqueue; the wire over TCP" font ",14" margins 0.06,0.98,0.2,0.88 spacing 0.08
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
is_lab(s) = s eq "lab" ? 0x1f77b4 : 0x9a9a9a

# -- mailbox: messages per second against sender threads
f = datadir."/".lab.".actor-mailbox.blocks.dat"
stats f using 2 nooutput
nb = STATS_blocks
set title "One actor's mailbox: messages per second, all senders"
set xlabel "sender threads"
set xtics (1, 2)
set xrange [0.8:2.2]
set logscale y
set ylabel "messages per second (M/s, log scale)"
set key bottom left
plot for [i=0:nb-1] f index i using 2:($5/1e6):($9/1e6):($10/1e6) with yerrorlines lw (i == 0 ? 3 : 1.5) title columnheader(1)

# -- round trip: bars
unset logscale y
unset xlabel
set xtics auto
f = datadir."/".lab.".actor-round_trip.dat"
set title "Round trip: a message to an echo actor and back"
set ylabel "wall time per round trip (us)"
set xrange [-0.6:1.6]
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
plot f using 0:($3/1e3):(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:($7/1e3):(0):(($8-$7)/1e3) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:($8/1e3):(sprintf("%.1f us", $3/1e3)) with labels offset 0,0.8 notitle

# -- the wire: bars
f = datadir."/".lab.".actor-wire_round_trip.dat"
set title "Wire round trip between two threads: request and reply"
set xrange [-0.6:2.6]
plot f using 0:($3/1e3):(is_lab(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
     f using 0:($7/1e3):(0):(($8-$7)/1e3) with vectors heads size 0.08,90 lc rgb "black" notitle, \
     f using 0:($8/1e3):(sprintf("%.1f us", $3/1e3)) with labels offset 0,0.8 notitle
unset multiplot
