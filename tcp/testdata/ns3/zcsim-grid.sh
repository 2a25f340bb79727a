#!/bin/sh
# The zcsim side of the ns-3 comparison: the same grid as run.sh (bulk 64 MiB
# over 1 Gbit/s, loss on data only, no reordering, no ACK loss), Reno and
# CUBIC, both kernels. Prints one line per run; needs jq.
# Usage: sh tcp/testdata/ns3/zcsim-grid.sh   (from the repository root)
set -eu
go build -o /tmp/zcsim-grid ./cmd/zcsim
for cc in ${CCS:-reno}; do
for k in ${KERNELS:-6.18 2.6.26}; do
for rtt in 1 10; do
for loss in 0.001 0.003 0.01 0.03; do
for seed in 1 2 3; do
  delay=$(awk "BEGIN{print $rtt*500}")us
  /tmp/zcsim-grid run -size-goal "${SG:-64KiB}" -workload bulk -bytes 64MiB -sndbuf 4MiB -rate 1Gbit -delay "$delay" -loss "$loss" \
    -ack-loss 0 -reorder 0 -dup 0 -cc "$cc" -design msg-zerocopy -kernel "$k" -seed "$seed" -format json |
  jq -r --arg cc "$cc" --arg k "$k" --arg rtt "$rtt" --arg loss "$loss" --arg seed "$seed" \
    '.results[0] | "cc=\($cc) kernel=\($k) loss=\($loss) rtt_ms=\($rtt) seed=\($seed) goodput_Mbps=\(.goodput_bps/1e6*100|round/100) retrans=\(.tcp.retrans_segments) spurious=\(.tcp.spurious_retrans) rtos=\(.tcp.rtos) episodes=\(.tcp.recovery_episodes)"'
done; done; done; done; done
