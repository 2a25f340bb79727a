package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseBytes reads a size: 1500, 64KiB, 1MiB, 1GiB, 10MB (at most 1 TiB).
func ParseBytes(s string) (int64, error) {
	units := []struct {
		suf string
		mul int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mul := s, int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suf); ok {
			num, mul = v, u.mul
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mul {
		return 0, fmt.Errorf("%q is not a size between 1 byte and 1 TiB (1500, 64KiB, 1GiB)", s)
	}
	return n * mul, nil
}

// ParseRate reads a rate in bits per second: 100Mbit, 10Gbit, 1e9.
func ParseRate(s string) (int64, error) {
	num, mul := s, 1.0
	for _, u := range []struct {
		suf string
		mul float64
	}{{"Gbit", 1e9}, {"Mbit", 1e6}, {"Kbit", 1e3}, {"bit", 1}} {
		if v, ok := strings.CutSuffix(s, u.suf); ok {
			num, mul = v, u.mul
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v*mul >= 1e3 && v*mul <= 1e13) {
		return 0, fmt.Errorf("%q is not a rate between 1Kbit and 10000Gbit", s)
	}
	return int64(v * mul), nil
}

// ParseDuration reads a Go duration (50us, 2ms) as virtual time, 0 to 1 h.
func ParseDuration(s string) (Time, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > time.Hour {
		return 0, fmt.Errorf("%q is not a duration between 0 and 1h (50us, 2ms)", s)
	}
	return Time(d.Nanoseconds()), nil
}

// ParseProb reads a probability: a finite decimal number in [0, 1] (0.01,
// 1e-3). NaN, infinities and trailing characters are refused.
func ParseProb(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("%q is not a probability in [0, 1] (0.01, 1e-3)", s)
	}
	return v, nil
}

// ParseInt reads a whole decimal number in [lo, hi].
func ParseInt(s string, lo, hi int64) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%d is outside %d..%d", v, lo, hi)
	}
	return v, nil
}

// ParseSeed reads a seed: a whole decimal number in [0, 2^64).
func ParseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a seed (a whole number from 0 to %d)", s, uint64(math.MaxUint64))
	}
	return v, nil
}

// ParseBool reads true or false.
func ParseBool(s string) (bool, error) {
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// ParseQueue reads a bottleneck queue size: bytes (256KiB), packets of
// mss payload plus headers (100pkt), or bdp (0: one bandwidth-delay
// product, the default).
func ParseQueue(s string, mss int) (int64, error) {
	if s == "bdp" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "pkt"); ok {
		v, err := ParseInt(n, 1, 1<<24)
		if err != nil {
			return 0, fmt.Errorf("%q is not a queue size (256KiB, 100pkt or bdp)", s)
		}
		return v * int64(mss+HeaderBytes), nil
	}
	v, err := ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a queue size (256KiB, 100pkt or bdp)", s)
	}
	return v, nil
}
