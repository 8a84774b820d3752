package s3local

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// Invoke runs the S3 Task states the store serves: arn:aws:states:::s3:ACTION and
// arn:aws:states:::aws-sdk:s3:ACTION with ACTION getObject, putObject or listObjectsV2.
// Results use the AWS SDK's field names (Body, ETag, Contents, ...).
func (s *Store) Invoke(ctx context.Context, req *task.Request) (any, error) {
	if req.Resource.Service != "s3" && req.Resource.Service != "aws-sdk:s3" {
		return nil, unsupported(req.Resource.ARN)
	}
	params, _ := req.Input.(map[string]any)
	switch req.Resource.Action {
	case "getObject":
		return s.getObject(params)
	case "putObject":
		return s.putObject(params)
	case "listObjectsV2":
		return s.listObjectsV2(params)
	}
	return nil, unsupported(req.Resource.ARN)
}

func unsupported(arn string) error {
	return &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("the local S3 store does not run resource %s: it serves s3 getObject, putObject and listObjectsV2", arn)}
}

func (s *Store) getObject(params map[string]any) (any, error) {
	bucket, key, err := bucketAndKey(params)
	if err != nil {
		return nil, err
	}
	data, info, err := s.readObject(bucket, key)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"AcceptRanges":  "bytes",
		"Body":          string(data),
		"ContentLength": float64(len(data)),
		"ContentType":   "application/octet-stream",
		"ETag":          etag(data),
		"LastModified":  info.ModTime().UTC().Format(time.RFC3339),
		"Metadata":      map[string]any{},
	}, nil
}

func (s *Store) putObject(params map[string]any) (any, error) {
	bucket, key, err := bucketAndKey(params)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch body := params["Body"].(type) {
	case nil:
	case string:
		data = []byte(body)
	default: // AWS serialises a JSON Body for putObject
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encode Body: %w", err)
		}
	}
	if err := s.writeObject(bucket, key, data); err != nil {
		return nil, err
	}
	return map[string]any{"ETag": etag(data), "ServerSideEncryption": "AES256"}, nil
}

func (s *Store) listObjectsV2(params map[string]any) (any, error) {
	bucket, _ := params["Bucket"].(string)
	prefix, _ := params["Prefix"].(string)
	objects, err := s.list(bucket, prefix)
	if err != nil {
		return nil, err
	}
	maxKeys := 1000
	if n, ok := jsonvalue.Float(params["MaxKeys"]); ok && n >= 0 && n < 1000 {
		maxKeys = int(n)
	}
	start, _ := params["StartAfter"].(string)
	if token, ok := params["ContinuationToken"].(string); ok && token != "" {
		start = token
	}
	contents := []any{}
	truncated, last := false, ""
	for _, o := range objects {
		if o.key <= start {
			continue
		}
		if len(contents) == maxKeys {
			truncated = true
			break
		}
		contents = append(contents, map[string]any{
			"Key":          o.key,
			"Size":         float64(o.size),
			"LastModified": o.info.ModTime().UTC().Format(time.RFC3339),
			"StorageClass": "STANDARD",
		})
		last = o.key
	}
	out := map[string]any{
		"Contents":    contents,
		"IsTruncated": truncated,
		"KeyCount":    float64(len(contents)),
		"MaxKeys":     float64(maxKeys),
		"Name":        bucket,
		"Prefix":      prefix,
	}
	if truncated {
		out["NextContinuationToken"] = last
	}
	return out, nil
}

func bucketAndKey(params map[string]any) (string, string, error) {
	bucket, _ := params["Bucket"].(string)
	key, _ := params["Key"].(string)
	if bucket == "" || key == "" {
		return "", "", &task.Error{Name: sfn.ErrorRuntime, Cause: "the S3 parameters need Bucket and Key strings"}
	}
	return bucket, key, nil
}

func sortObjects(objects []object) {
	sort.Slice(objects, func(i, j int) bool { return objects[i].key < objects[j].key })
}
