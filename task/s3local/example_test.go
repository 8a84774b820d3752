package s3local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stepflow/stepflow/task/s3local"
)

// A Distributed Map's ItemReader over a local directory: what the interpreter calls with the
// ItemReader's Resource, evaluated Parameters and evaluated ReaderConfig.
func ExampleStore_ReadItems() {
	root, _ := os.MkdirTemp("", "buckets")
	defer os.RemoveAll(root)
	_ = os.MkdirAll(filepath.Join(root, "data"), 0o755)
	_ = os.WriteFile(filepath.Join(root, "data", "people.csv"), []byte("name,team\nAda,blue\nGrace,red\nLin,blue\n"), 0o644)

	store, err := s3local.New(root)
	if err != nil {
		fmt.Println(err)
		return
	}
	items, err := store.ReadItems(context.Background(),
		"arn:aws:states:::s3:getObject",
		map[string]any{"Bucket": "data", "Key": "people.csv"},
		map[string]any{"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 2.0})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(items)
	// Output: [map[name:Ada team:blue] map[name:Grace team:red]]
}
