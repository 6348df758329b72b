package stores_test

import (
	"math"
	"os"
)

func cosDeg(d float64) float64 { return math.Cos(d * math.Pi / 180) }

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "wemart-bench") }
