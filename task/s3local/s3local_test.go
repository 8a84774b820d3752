package s3local

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// newStore lays out ROOT/data/... (the bucket) and ROOT/../secret.txt (outside the root).
func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "buckets")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("data,a.txt,10\ndata,b.txt,20\n"))
	_ = zw.Close()
	files := map[string]string{
		"secret.txt":                     "outside",
		"buckets/data/items.json":        `[{"id": 1}, {"id": 2}, {"id": 3}]`,
		"buckets/data/items.jsonl":       "{\"id\": 1}\n\n{\"id\": 2}\n",
		"buckets/data/people.csv":        "name,age\nAda,36\n\"Grace, R.\",45\n",
		"buckets/data/noheader.csv":      "Ada|36\nGrace|45\n",
		"buckets/data/bad.csv":           "name,age\nAda\n",
		"buckets/data/object.json":       `{"not": "an array"}`,
		"buckets/data/inv/manifest.json": `{"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::data", "fileFormat": "CSV", "fileSchema": "Bucket, Key, Size", "files": [{"key": "inv/part-0.csv.gz"}]}`,
		"buckets/data/inv/part-0.csv.gz": gz.String(),
		"buckets/data/photos/2024/a.jpg": "aaaa",
		"buckets/data/photos/2024/b.jpg": "bb",
		"buckets/data/photos/2025/c.jpg": "c",
		"buckets/results/.keep":          "",
	}
	for name, text := range files {
		path := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(root, "data", "link.txt")); err != nil {
		t.Fatal(err)
	}
	s, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	return s, root
}

func TestReadItems(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	get := "arn:aws:states:::s3:getObject"
	obj := func(key string) map[string]any { return map[string]any{"Bucket": "data", "Key": key} }
	tests := []struct {
		name      string
		resource  string
		params    map[string]any
		config    map[string]any
		want      []any
		wantCause string
	}{
		{name: "JSON", resource: get, params: obj("items.json"), config: map[string]any{"InputType": "JSON"},
			want: []any{map[string]any{"id": 1.0}, map[string]any{"id": 2.0}, map[string]any{"id": 3.0}}},
		{name: "JSON MaxItems", resource: get, params: obj("items.json"), config: map[string]any{"InputType": "JSON", "MaxItems": 2.0},
			want: []any{map[string]any{"id": 1.0}, map[string]any{"id": 2.0}}},
		{name: "JSONL", resource: get, params: obj("items.jsonl"), config: map[string]any{"InputType": "JSONL"},
			want: []any{map[string]any{"id": 1.0}, map[string]any{"id": 2.0}}},
		{name: "CSV first row", resource: get, params: obj("people.csv"), config: map[string]any{"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
			want: []any{map[string]any{"name": "Ada", "age": "36"}, map[string]any{"name": "Grace, R.", "age": "45"}}},
		{name: "CSV given headers and delimiter", resource: get, params: obj("noheader.csv"),
			config: map[string]any{"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": []any{"n", "a"}, "CSVDelimiter": "PIPE", "MaxItems": 1.0},
			want:   []any{map[string]any{"n": "Ada", "a": "36"}}},
		{name: "MANIFEST", resource: get, params: obj("inv/manifest.json"), config: map[string]any{"InputType": "MANIFEST"},
			want: []any{map[string]any{"Bucket": "data", "Key": "a.txt", "Size": "10"}, map[string]any{"Bucket": "data", "Key": "b.txt", "Size": "20"}}},
		{name: "listObjectsV2", resource: "arn:aws:states:::s3:listObjectsV2", params: map[string]any{"Bucket": "data", "Prefix": "photos/2024/"},
			want: []any{
				map[string]any{"Etag": `"74b87337454200d4d33f80c4663dc5e5"`, "Key": "photos/2024/a.jpg", "LastModified": 0.0, "Size": 4.0, "StorageClass": "STANDARD"},
				map[string]any{"Etag": `"21ad0bd836b90d08f4cf640b4c298e7c"`, "Key": "photos/2024/b.jpg", "LastModified": 0.0, "Size": 2.0, "StorageClass": "STANDARD"},
			}},
		{name: "no InputType", resource: get, params: obj("items.json"), wantCause: "ItemReader: ReaderConfig.InputType is required to read s3://data/items.json"},
		{name: "not an array", resource: get, params: obj("object.json"), config: map[string]any{"InputType": "JSON"}, wantCause: "ItemReader: s3://data/object.json does not hold a JSON array"},
		{name: "CSV row too short", resource: get, params: obj("bad.csv"), config: map[string]any{"InputType": "CSV"}, wantCause: "ItemReader: s3://data/bad.csv line 2 has 1 fields but there are 2 headers"},
		{name: "GIVEN without headers", resource: get, params: obj("people.csv"), config: map[string]any{"InputType": "CSV", "CSVHeaderLocation": "GIVEN"},
			wantCause: "ItemReader: ReaderConfig.CSVHeaders is required when CSVHeaderLocation is GIVEN"},
		{name: "missing key", resource: get, params: obj("nope.json"), config: map[string]any{"InputType": "JSON"},
			wantCause: "ItemReader: The specified key does not exist: s3://data/nope.json (Service: S3, Status Code: 404, Error Code: NoSuchKey)"},
		{name: "missing bucket", resource: get, params: map[string]any{"Bucket": "other", "Key": "k"}, config: map[string]any{"InputType": "JSON"},
			wantCause: "ItemReader: The specified bucket does not exist: other (Service: S3, Status Code: 404, Error Code: NoSuchBucket)"},
		{name: "key climbing out", resource: get, params: obj("../../secret.txt"), config: map[string]any{"InputType": "JSON"},
			wantCause: `ItemReader: object key "../../secret.txt" is refused: it contains a ".." segment, and keys may not leave their bucket`},
		{name: "key climbing out midway", resource: get, params: obj("photos/../../../secret.txt"), config: map[string]any{"InputType": "JSON"},
			wantCause: `ItemReader: object key "photos/../../../secret.txt" is refused: it contains a ".." segment, and keys may not leave their bucket`},
		{name: "bucket climbing out", resource: get, params: map[string]any{"Bucket": "..", "Key": "secret.txt"}, config: map[string]any{"InputType": "JSON"},
			wantCause: `ItemReader: The specified bucket is not valid: ".." (Service: S3, Status Code: 400)`},
		{name: "symbolic link out", resource: get, params: obj("link.txt"), config: map[string]any{"InputType": "JSON"},
			wantCause: `ItemReader: object key "link.txt" is refused: a symbolic link takes it outside the buckets directory`},
		{name: "not S3", resource: "arn:aws:states:::dynamodb:scan", params: obj("items.json"),
			wantCause: "ItemReader: resource arn:aws:states:::dynamodb:scan is not an S3 ItemReader (arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var config any
			if tt.config != nil {
				config = tt.config
			}
			got, err := s.ReadItems(context.Background(), tt.resource, tt.params, config)
			if tt.wantCause != "" {
				var te *task.Error
				if !errors.As(err, &te) || te.Name != "States.ItemReaderFailed" || te.Cause != tt.wantCause {
					t.Fatalf("error = %#v\nwant cause %s", err, tt.wantCause)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range got { // modification times vary; the rest must match exactly
				if m, ok := item.(map[string]any); ok && m["LastModified"] != nil {
					m["LastModified"] = 0.0
				}
			}
			if !reflect.DeepEqual(jsonvalue.Plain(got), tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestTaskStatesRoundTrip(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	invoke := func(action string, params map[string]any) (any, error) {
		return s.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::aws-sdk:s3:" + action), Input: params})
	}
	put, err := invoke("putObject", map[string]any{"Bucket": "results", "Key": "out/report.json", "Body": map[string]any{"ok": true}})
	if err != nil || put.(map[string]any)["ETag"] != `"82380d1e263b6093f3c7535690fcdd75"` {
		t.Fatalf("putObject = %#v, %v", put, err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "results", "out", "report.json")); err != nil || string(data) != `{"ok":true}` {
		t.Fatalf("file = %q, %v", data, err)
	}
	got, err := invoke("getObject", map[string]any{"Bucket": "results", "Key": "out/report.json"})
	if err != nil || got.(map[string]any)["Body"] != `{"ok":true}` || got.(map[string]any)["ContentLength"] != 11.0 {
		t.Fatalf("getObject = %#v, %v", got, err)
	}
	list, err := invoke("listObjectsV2", map[string]any{"Bucket": "data", "Prefix": "photos/", "MaxKeys": 2.0})
	if err != nil {
		t.Fatal(err)
	}
	l := list.(map[string]any)
	if l["KeyCount"] != 2.0 || l["IsTruncated"] != true || l["NextContinuationToken"] != "photos/2024/b.jpg" {
		t.Fatalf("listObjectsV2 = %#v", l)
	}
	rest, err := invoke("listObjectsV2", map[string]any{"Bucket": "data", "Prefix": "photos/", "ContinuationToken": "photos/2024/b.jpg"})
	if err != nil || rest.(map[string]any)["KeyCount"] != 1.0 || rest.(map[string]any)["Contents"].([]any)[0].(map[string]any)["Key"] != "photos/2025/c.jpg" {
		t.Fatalf("second page = %#v, %v", rest, err)
	}
	_, err = invoke("putObject", map[string]any{"Bucket": "results", "Key": "../data/items.json", "Body": "overwritten"})
	var te *task.Error
	if !errors.As(err, &te) || te.Name != "States.Runtime" || te.Cause != `object key "../data/items.json" is refused: it contains a ".." segment, and keys may not leave their bucket` {
		t.Fatalf("escaping put: %#v", err)
	}
	_, err = invoke("deleteObject", map[string]any{"Bucket": "results", "Key": "x"})
	if !errors.As(err, &te) || te.Cause != "the local S3 store does not run resource arn:aws:states:::aws-sdk:s3:deleteObject: it serves s3 getObject, putObject and listObjectsV2" {
		t.Fatalf("deleteObject: %#v", err)
	}
}

func TestWriteResultsLayout(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	runARN := "arn:aws:states:us-east-1:123456789012:mapRun:Orders/Fan:3f1c2a3b-0000-4000-8000-000000000001"
	out, err := s.WriteResults(context.Background(), map[string]any{"Bucket": "results", "Prefix": "runs/"}, nil, runARN, []ChildExecution{
		{ExecutionARN: "arn:child:1", Name: "1", StateMachineARN: "arn:sm", Status: sfn.StatusSucceeded, Input: map[string]any{"id": 1.0}, Output: map[string]any{"ok": true}, StartDate: start, StopDate: start.Add(time.Second)},
		{ExecutionARN: "arn:child:2", Name: "2", StateMachineARN: "arn:sm", Status: sfn.StatusFailed, Input: map[string]any{"id": 2.0}, Error: "Boom", Cause: "bad item", StartDate: start, StopDate: start.Add(time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := "runs/3f1c2a3b-0000-4000-8000-000000000001/"
	wantOut := map[string]any{"MapRunArn": runARN, "ResultWriterDetails": map[string]any{"Bucket": "results", "Key": dir + "manifest.json"}}
	if !reflect.DeepEqual(out, wantOut) {
		t.Fatalf("output %#v", out)
	}
	read := func(key string) any {
		data, err := os.ReadFile(filepath.Join(root, "results", filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	manifest := read(dir + "manifest.json").(map[string]any)
	files := manifest["ResultFiles"].(map[string]any)
	if manifest["DestinationBucket"] != "results" || manifest["MapRunArn"] != runARN || len(files["PENDING"].([]any)) != 0 ||
		files["SUCCEEDED"].([]any)[0].(map[string]any)["Key"] != dir+"SUCCEEDED_0.json" || files["FAILED"].([]any)[0].(map[string]any)["Key"] != dir+"FAILED_0.json" {
		t.Fatalf("manifest %#v", manifest)
	}
	succeeded := read(dir + "SUCCEEDED_0.json").([]any)[0].(map[string]any)
	if succeeded["Output"] != `{"ok":true}` || succeeded["Input"] != `{"id":1}` || succeeded["Status"] != "SUCCEEDED" || succeeded["StartDate"] != "2026-01-02T03:04:05.000Z" {
		t.Fatalf("succeeded entry %#v", succeeded)
	}
	failed := read(dir + "FAILED_0.json").([]any)[0].(map[string]any)
	if failed["Error"] != "Boom" || failed["Cause"] != "bad item" || failed["Output"] != nil {
		t.Fatalf("failed entry %#v", failed)
	}
	if _, err := os.Stat(filepath.Join(root, "results", dir, "PENDING_0.json")); !os.IsNotExist(err) {
		t.Fatalf("PENDING_0.json should not exist: %v", err)
	}
}

func TestNewNeedsADirectory(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(file); err == nil || err.Error() != "buckets directory "+file+" is not a directory" {
		t.Fatalf("err = %v", err)
	}
}
