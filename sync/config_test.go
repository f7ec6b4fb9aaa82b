package gitsync

import (
	"testing"

	"gobag/binder/bindertest"
)

func TestMain(m *testing.M) { bindertest.Main(m) }
