# The pictures of doc/benchmarks.md, from the data ts-bench writes (--data DIR):
#   gnuplot -e "data='DIR'; out='doc/img'" bench/plots.gp
set terminal svg size 720,440 dynamic font "sans,12" background rgb "white"
set termoption noenhanced
set grid
set key bottom right

# Stop latency: the CDF of every stop, per call (latency-CALL.dat: ns, sorted).
set output out."/latency-cdf.svg"
set title "Stop latency: thread_stop_tid() to the blocked call returning ECANCELED"
set xlabel "latency (us, log scale)"
set ylabel "fraction of stops"
set logscale x
set yrange [0:1]
calls = "read accept poll nanosleep cond_wait"
count(f) = system("wc -l < ".f) + 0
plot for [c in calls] data."/latency-".c.".dat" using ($1/1000.0):(1.0/count(data."/latency-".c.".dat")) \
	smooth cumulative with lines lw 2 title c

# Scale: how the costs grow with the number of blocked threads (scale.dat).
set output out."/scale.svg"
set title "Stopping N threads blocked in read"
set xlabel "N threads (log scale)"
set ylabel "ms (log scale)"
set logscale xy
unset yrange
set key top left
set xtics (1, 10, 100, 1000, 10000)
plot data."/scale.dat" using 1:2 with linespoints lw 2 title "floor: a bare tgkill each, no shim", \
     "" using 1:3 with linespoints lw 2 title "stop all (control socket, call:read)", \
     "" using 1:($4/1000.0) with linespoints lw 2 title "stop one by tid among N", \
     "" using 1:5 with linespoints lw 2 title "threadstop list (process start included)"
