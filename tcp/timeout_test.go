package tcp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestModelTimeout: tcp_model_timeout with TCP_RTO_MIN 200 ms, TCP_RTO_MAX
// 120 s: linear_backoff_thresh = ilog2(600) = 9, so 15 retries take
// (2^10-1)*0.2 s + 6*120 s = 924.6 s; 5 retries (2^6-1)*0.2 s = 12.6 s.
func TestModelTimeout(t *testing.T) {
	assert.Equal(t, int64(924_600_000_000), modelTimeout(15, 200e6, 120e9))
	assert.Equal(t, int64(12_600_000_000), modelTimeout(5, 200e6, 120e9))
}
