// Package s3local stands in for Amazon S3 with a local directory, for Distributed Map
// ItemReader and ResultWriter and for S3 Task states: object KEY of bucket BUCKET is the file
// ROOT/BUCKET/KEY. Buckets are the directories under ROOT; a key can never reach outside
// its bucket's directory, so a definition reads and writes only under the root the operator
// configured.
package s3local

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// Store is a directory of buckets.
type Store struct {
	root string
}

// New returns a Store over the directory root, which must exist.
func New(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("buckets directory %s: %w", root, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("buckets directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("buckets directory %s is not a directory", root)
	}
	return &Store{root: abs}, nil
}

// bucketDir is the directory of bucket, which must exist.
func (s *Store) bucketDir(bucket string) (string, error) {
	if bucket == "" || bucket == "." || bucket == ".." || strings.ContainsAny(bucket, `/\`) {
		return "", &task.Error{Name: "S3.InvalidBucketName", Cause: fmt.Sprintf("The specified bucket is not valid: %q (Service: S3, Status Code: 400)", bucket)}
	}
	dir := filepath.Join(s.root, bucket)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return "", &task.Error{Name: "S3.NoSuchBucketException", Cause: fmt.Sprintf("The specified bucket does not exist: %s (Service: S3, Status Code: 404, Error Code: NoSuchBucket)", bucket)}
	}
	return dir, nil
}

// objectPath is the file of bucket/key. Keys are S3 keys, "/"-separated; one that would
// leave the bucket's directory ("../x", "a/../../x") or name the directory itself is refused.
func (s *Store) objectPath(bucket, key string) (string, error) {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", &task.Error{Name: sfn.ErrorRuntime, Cause: "the object key is empty"}
	}
	for _, part := range strings.Split(key, "/") {
		if part == ".." || part == "." {
			return "", &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("object key %q is refused: it contains a %q segment, and keys may not leave their bucket", key, part)}
		}
	}
	path := filepath.Join(dir, filepath.FromSlash(key))
	if rel, err := filepath.Rel(dir, path); err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("object key %q is refused: it leaves its bucket", key)}
	}
	if !s.resolvesInside(path) {
		return "", &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("object key %q is refused: a symbolic link takes it outside the buckets directory", key)}
	}
	return path, nil
}

// resolvesInside reports whether path, once symbolic links are followed, stays under the
// root: the deepest part of it that exists is resolved and checked.
func (s *Store) resolvesInside(path string) bool {
	root, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		return false
	}
	for p := path; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				return false
			}
			rel, err := filepath.Rel(root, real)
			return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
		}
		if p == filepath.Dir(p) {
			return false
		}
	}
}

// readObject returns the contents of bucket/key.
func (s *Store) readObject(bucket, key string) ([]byte, os.FileInfo, error) {
	path, err := s.objectPath(bucket, key)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || isDirErr(path) {
		return nil, nil, noSuchKey(bucket, key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("stat s3://%s/%s: %w", bucket, key, err)
	}
	return data, info, nil
}

func isDirErr(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func noSuchKey(bucket, key string) error {
	return &task.Error{Name: "S3.NoSuchKeyException", Cause: fmt.Sprintf("The specified key does not exist: s3://%s/%s (Service: S3, Status Code: 404, Error Code: NoSuchKey)", bucket, key)}
}

// writeObject stores data as bucket/key, creating the key's "directories".
func (s *Store) writeObject(bucket, key string, data []byte) error {
	path, err := s.objectPath(bucket, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	// Write then rename, so a reader never sees half an object.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// object is one listed object.
type object struct {
	key  string
	size int64
	info os.FileInfo
	path string
}

// list returns the objects of bucket whose keys start with prefix, in key order (S3 lists
// in UTF-8 binary order, which is Go's string order).
func (s *Store) list(bucket, prefix string) ([]object, error) {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return nil, err
	}
	var out []object
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".put-") {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, object{key: key, size: info.Size(), info: info, path: path})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
	}
	sortObjects(out)
	return out, nil
}

func etag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}
