package roster

import "testing"

// FuzzParse: a roster file from anywhere is either refused or read into
// a roster whose members have unique handles and keys and that has a
// manager, as the format requires.
func FuzzParse(f *testing.F) {
	f.Add([]byte("format = 1\nserial = 1\nprevious = \"\"\ncreated = 2026-11-27T10:00:00Z\n"))
	f.Add([]byte("format = 1\nserial = 2\n[[member]]\nhandle = \"ana\"\nroles = [\"manager\"]\n"))
	f.Add([]byte("not toml ["))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		managers := 0
		for _, m := range r.Members {
			if seen[m.Handle] {
				t.Fatalf("handle %q twice", m.Handle)
			}
			seen[m.Handle] = true
			if m.Has(RoleManager) {
				managers++
			}
		}
		if managers == 0 {
			t.Fatal("a roster with no manager was read")
		}
	})
}
