//go:build !unix

package gitstore

// mapFile reads a file into memory (where there is no mmap).
func mapFile(path string) ([]byte, func() error, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}
