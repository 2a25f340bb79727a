#!/bin/sh
# Builds bulk.cc into /tmp/ns3-bulk and runs the comparison grid: loss 0.001,
# 0.003, 0.01, 0.03 × RTT 1 ms, 10 ms × seeds 1-3, 1 Gbit/s, 64 MiB: one line
# per run on stdout, the wall time of each run on stderr. Not run by go test.
# Needs Debian's ns-3 (apt-get install ns3 libns3-dev) and g++.
#   CC=ns3::TcpLinuxReno  Linux's Reno (cwnd grows per segment ACKed) instead
#                         of ns3::TcpNewReno (per ACK)
#   BIN=/path/to/binary   run that binary (e.g. built against another ns-3)
#                         instead of building one
#   BYTES=N               bytes per run (default 64 MiB)
set -eu
cc=${CC:-ns3::TcpNewReno}
bytes=${BYTES:-67108864}
if [ -z "${BIN:-}" ]; then
	BIN=/tmp/ns3-bulk
	g++ -std=c++17 -O2 -rdynamic "$(dirname "$0")/bulk.cc" -o "$BIN" \
		-lns3-core -lns3-network -lns3-internet -lns3-point-to-point \
		-lns3-applications -lns3-traffic-control
fi
for rtt in 1 10; do
	for loss in 0.001 0.003 0.01 0.03; do
		for seed in 1 2 3; do
			t0=$(date +%s.%N)
			"$BIN" --cc="$cc" --loss="$loss" --rttMs="$rtt" --bytes="$bytes" --seed="$seed" --rateMbps=1000
			t1=$(date +%s.%N)
			awk -v a="$t0" -v b="$t1" 'BEGIN { printf "wall_s=%.2f\n", b - a }' >&2
		done
	done
done
