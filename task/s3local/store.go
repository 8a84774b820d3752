// Package s3local stands in for Amazon S3 with a local directory, for Distributed Map
// ItemReader and ResultWriter and for S3 Task states: object KEY of bucket BUCKET is the file
// ROOT/BUCKET/KEY. Buckets are the directories under ROOT; a key can never reach outside
// its bucket's directory, so a definition reads and writes only under the root the operator
// configured.
package s3local

import (
	"crypto/md5"
	"crypto/rand"
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

// Store is a directory of buckets. Files are read and written through an os.Root, which
// refuses any path that leaves the directory, symbolic links included, at the moment of the
// call: a link swapped in after objectPath's checks cannot take a read or write outside.
type Store struct {
	root string
	dir  *os.Root
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
	dir, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("buckets directory: %w", err)
	}
	return &Store{root: abs, dir: dir}, nil
}

// rel is path relative to the root, as the os.Root methods take it.
func (s *Store) rel(path string) string {
	rel, err := filepath.Rel(s.root, path)
	if err != nil {
		return path // not under the root: the os.Root call refuses it
	}
	return rel
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
	rel := s.rel(path)
	info, err := s.dir.Stat(rel)
	if errors.Is(err, fs.ErrNotExist) || err == nil && info.IsDir() {
		return nil, nil, noSuchKey(bucket, key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("stat s3://%s/%s: %w", bucket, key, err)
	}
	data, err := s.dir.ReadFile(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, noSuchKey(bucket, key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return data, info, nil
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
	rel := s.rel(path)
	if err := s.dir.MkdirAll(filepath.Dir(rel), 0o755); err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	// Write then rename, so a reader never sees half an object.
	tmp := filepath.Join(filepath.Dir(rel), ".put-"+rand.Text())
	f, err := s.dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		s.dir.Remove(tmp)
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	if err := f.Close(); err != nil {
		s.dir.Remove(tmp)
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	if err := s.dir.Rename(tmp, rel); err != nil {
		s.dir.Remove(tmp)
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// object is one listed object.
type object struct {
	key  string
	size int64
	info os.FileInfo
}

// list returns the objects of bucket whose keys start with prefix, in key order (S3 lists
// in UTF-8 binary order, which is Go's string order).
func (s *Store) list(bucket, prefix string) ([]object, error) {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return nil, err
	}
	var out []object
	bucketRel := filepath.ToSlash(s.rel(dir))
	err = fs.WalkDir(s.dir.FS(), bucketRel, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".put-") {
			return nil
		}
		key := strings.TrimPrefix(path, bucketRel+"/")
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, object{key: key, size: info.Size(), info: info})
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
