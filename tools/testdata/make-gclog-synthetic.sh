#!/usr/bin/env bash
# make-gclog-synthetic.sh - writes gclog-synthetic.csv, a made-up pacegc GC
# log for developing tools/plot-gclog.sh: a live heap growing from 32 to
# 96 MiB, 400 MiB/s of allocation, GOGC=100, 60 ms of concurrent mark per
# cycle, assists once the heap is half way from trigger to goal, and one
# overshoot past the goal in the middle. Not the output of any real run.
cd "$(dirname "$0")" || exit 1
awk 'BEGIN {
    M = 1048576; OFS = ","
    print "time_ms,event,cycle,heap_alloc,heap_live,heap_goal,heap_trigger,assist_work_per_byte,assist_cpu_ms,bg_cpu_ms,idle_cpu_ms,blocked_ms"
    live = 32 * M; marked = live; goal = 4 * M; trig = 3.5 * M; alloc = 0; hlive = 0
    cycle = 0; marking = 0; assist = 0; bg = 0; idle = 0; blocked = 0; sweep_at = -1; wpb = 0
    for (t = 0; t <= 3000; t += 2) {
        live = (32 + 64 * t / 3000) * M
        rate = (t > 1400 && t < 1500 ? 1600 : 400) * M / 1000   # bytes per ms
        if (marking && alloc > trig + (goal - trig) / 2) {
            assist += 2 * 0.6; rate *= 0.4; blocked += (alloc > goal ? 2 * 0.5 : 0)
        }
        alloc += rate * 2; hlive += rate * 2
        if (marking) { bg += 2 * 0.5; idle += 2 * 0.1 }
        if (!marking && hlive >= trig) {
            cycle++; marking = 1; mark_end = t + 60
            wpb = (goal > hlive) ? marked / (goal - hlive) : 4
            print t, "start", cycle, int(alloc), int(hlive), int(goal), int(trig), wpb, assist, bg, idle, blocked
            print t + 0.1, "mark", cycle, int(alloc), int(hlive), int(goal), int(trig), wpb, assist, bg, idle, blocked
        } else if (marking && t >= mark_end) {
            marking = 0; marked = live
            print t, "markterm", cycle, int(alloc), int(hlive), int(goal), int(trig), wpb, assist, bg, idle, blocked
            hlive = marked; goal = 2 * marked; if (goal < 4 * M) goal = 4 * M
            trig = marked + 0.5 * (goal - marked); sweep_at = t + 20
        } else if (sweep_at >= 0 && t >= sweep_at) {
            alloc = hlive; sweep_at = -1
            print t, "sweepdone", cycle, int(alloc), int(hlive), int(goal), int(trig), wpb, assist, bg, idle, blocked
        } else {
            print t, "sample", cycle, int(alloc), int(hlive), int(goal), int(trig), wpb, assist, bg, idle, blocked
        }
    }
}' >gclog-synthetic.csv
