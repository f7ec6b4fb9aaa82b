package ui

import (
	"testing"

	"gobag/binder/bindertest"
)

func TestMain(m *testing.M) {
	testOnlyQueue = &callbacks{}
	bindertest.Main(m)
}
