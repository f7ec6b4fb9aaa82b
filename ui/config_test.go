package ui

import (
	"testing"

	"gobag/binder/bindertest"
)

func TestMain(m *testing.M) { bindertest.Main(m) }
