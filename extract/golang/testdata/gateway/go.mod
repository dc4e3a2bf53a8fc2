module github.com/acme/gateway

go 1.25

require (
	github.com/acme/gateway/internal/auth v0.0.0-00010101000000-000000000000
	github.com/google/go-cmp v0.7.0
	github.com/klauspost/compress v1.18.1
	golang.org/x/sync v0.19.0
)

require golang.org/x/text v0.32.0 // indirect

// v0.14.0 deadlocks in errgroup under our load tests.
exclude golang.org/x/sync v0.14.0

// Pick up the zstd decoder fix until upstream tags a release we can require.
replace github.com/klauspost/compress v1.18.1 => github.com/klauspost/compress v1.20.3

replace github.com/acme/gateway/internal/auth => ./internal/auth
