package s3local

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// ReaderConfig is a Distributed Map ItemReader's ReaderConfig, evaluated.
type ReaderConfig struct {
	InputType         string   // JSON, JSONL, CSV or MANIFEST; required for s3:getObject
	CSVHeaderLocation string   // FIRST_ROW (default) or GIVEN
	CSVHeaders        []string // the column names when CSVHeaderLocation is GIVEN
	CSVDelimiter      rune     // ',' by default
	MaxItems          int      // 0 = all
}

var delimiters = map[string]rune{"COMMA": ',', "PIPE": '|', "SEMICOLON": ';', "SPACE": ' ', "TAB": '\t'}

// ParseReaderConfig reads an evaluated ReaderConfig object (nil = none).
func ParseReaderConfig(v any) (ReaderConfig, error) {
	c := ReaderConfig{CSVHeaderLocation: "FIRST_ROW", CSVDelimiter: ','}
	if v == nil {
		return c, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return c, fmt.Errorf("ReaderConfig must be an object")
	}
	for k, val := range m {
		switch k {
		case "InputType":
			s, _ := val.(string)
			if s != "JSON" && s != "JSONL" && s != "CSV" && s != "MANIFEST" {
				return c, fmt.Errorf("ReaderConfig.InputType must be JSON, JSONL, CSV or MANIFEST, not %s", show(val))
			}
			c.InputType = s
		case "CSVHeaderLocation":
			s, _ := val.(string)
			if s != "FIRST_ROW" && s != "GIVEN" {
				return c, fmt.Errorf("ReaderConfig.CSVHeaderLocation must be FIRST_ROW or GIVEN, not %s", show(val))
			}
			c.CSVHeaderLocation = s
		case "CSVHeaders":
			list, ok := val.([]any)
			if !ok {
				return c, fmt.Errorf("ReaderConfig.CSVHeaders must be an array of strings")
			}
			for _, h := range list {
				s, ok := h.(string)
				if !ok {
					return c, fmt.Errorf("ReaderConfig.CSVHeaders must be an array of strings, not contain %s", show(h))
				}
				c.CSVHeaders = append(c.CSVHeaders, s)
			}
		case "CSVDelimiter":
			s, _ := val.(string)
			d, ok := delimiters[s]
			if !ok {
				return c, fmt.Errorf("ReaderConfig.CSVDelimiter must be COMMA, PIPE, SEMICOLON, SPACE or TAB, not %s", show(val))
			}
			c.CSVDelimiter = d
		case "MaxItems":
			n, ok := jsonvalue.Float(val)
			if !ok || n < 0 || n != float64(int(n)) {
				return c, fmt.Errorf("ReaderConfig.MaxItems must be a non-negative integer, not %s", show(val))
			}
			c.MaxItems = int(n)
		default:
			return c, fmt.Errorf("ReaderConfig has an unsupported field %s", k)
		}
	}
	if c.CSVHeaderLocation == "GIVEN" && len(c.CSVHeaders) == 0 {
		return c, fmt.Errorf("ReaderConfig.CSVHeaders is required when CSVHeaderLocation is GIVEN")
	}
	return c, nil
}

// ReadItems reads a Distributed Map's items as its ItemReader says: resource is the
// ItemReader's Resource (arn:aws:states:::s3:getObject or s3:listObjectsV2), params its
// evaluated Parameters or Arguments ({"Bucket", "Key"} or {"Bucket", "Prefix"}), and
// readerConfig its evaluated ReaderConfig. It fails with a *task.Error named
// States.ItemReaderFailed.
func (s *Store) ReadItems(ctx context.Context, resource string, params, readerConfig any) ([]any, error) {
	items, err := s.readItems(ctx, resource, params, readerConfig)
	if err != nil {
		if te, ok := err.(*task.Error); ok {
			err = fmt.Errorf("%s", te.Cause)
		}
		return nil, &task.Error{Name: sfn.ErrorItemReaderFailed, Cause: "ItemReader: " + err.Error()}
	}
	return items, nil
}

func (s *Store) readItems(ctx context.Context, resource string, params, readerConfig any) ([]any, error) {
	cfg, err := ParseReaderConfig(readerConfig)
	if err != nil {
		return nil, err
	}
	p, _ := params.(map[string]any)
	res := sfn.ParseResource(resource)
	if res.Service != "s3" || res.Pattern != "" {
		return nil, fmt.Errorf("resource %s is not an S3 ItemReader (arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2)", resource)
	}
	switch res.Action {
	case "listObjectsV2":
		bucket, _ := p["Bucket"].(string)
		prefix, _ := p["Prefix"].(string)
		return s.listItems(bucket, prefix, cfg.MaxItems)
	case "getObject":
		bucket, key, err := bucketAndKey(p)
		if err != nil {
			return nil, err
		}
		if cfg.InputType == "" {
			return nil, fmt.Errorf("ReaderConfig.InputType is required to read s3://%s/%s", bucket, key)
		}
		data, _, err := s.readObject(bucket, key)
		if err != nil {
			return nil, err
		}
		if cfg.InputType == "MANIFEST" {
			return s.manifestItems(ctx, bucket, key, data, cfg)
		}
		return decodeItems(data, cfg, "s3://"+bucket+"/"+key)
	}
	return nil, fmt.Errorf("resource %s is not an S3 ItemReader (arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2)", resource)
}

// listItems is what an s3:listObjectsV2 ItemReader yields: one item per object, shaped as
// AWS shapes them ({"Etag", "Key", "LastModified" (epoch seconds), "Size", "StorageClass"}).
func (s *Store) listItems(bucket, prefix string, maxItems int) ([]any, error) {
	objects, err := s.list(bucket, prefix)
	if err != nil {
		return nil, err
	}
	items := []any{}
	for _, o := range objects {
		if maxItems > 0 && len(items) == maxItems {
			break
		}
		data, _, err := s.readObject(bucket, o.key)
		if err != nil {
			return nil, err
		}
		items = append(items, map[string]any{
			"Etag":         etag(data),
			"Key":          o.key,
			"LastModified": float64(o.info.ModTime().Unix()),
			"Size":         float64(o.size),
			"StorageClass": "STANDARD",
		})
	}
	return items, nil
}

// decodeItems reads a JSON array, JSON Lines or CSV object into items.
func decodeItems(data []byte, cfg ReaderConfig, where string) ([]any, error) {
	var items []any
	switch cfg.InputType {
	case "JSON":
		v, err := jsonvalue.Decode(data) // items in document order
		if err != nil {
			return nil, fmt.Errorf("%s is not JSON: %v", where, err)
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s does not hold a JSON array", where)
		}
		items = list
	case "JSONL":
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
		for line := 1; sc.Scan(); line++ {
			text := strings.TrimSpace(sc.Text())
			if text == "" {
				continue
			}
			v, err := jsonvalue.Decode([]byte(text))
			if err != nil {
				return nil, fmt.Errorf("%s line %d is not JSON: %v", where, line, err)
			}
			items = append(items, v)
			if cfg.MaxItems > 0 && len(items) == cfg.MaxItems {
				break
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", where, err)
		}
	case "CSV":
		var headers []string
		if cfg.CSVHeaderLocation == "GIVEN" {
			headers = cfg.CSVHeaders
		}
		var err error
		if items, err = csvItems(bytes.NewReader(data), cfg.CSVDelimiter, headers, cfg.MaxItems, where); err != nil {
			return nil, err
		}
	}
	if items == nil {
		items = []any{}
	}
	if cfg.MaxItems > 0 && len(items) > cfg.MaxItems {
		items = items[:cfg.MaxItems]
	}
	return items, nil
}

// csvItems reads CSV rows as objects of strings keyed by headers; with no headers given,
// the first row names the columns.
func csvItems(r io.Reader, delimiter rune, headers []string, maxItems int, where string) ([]any, error) {
	cr := csv.NewReader(r)
	cr.Comma = delimiter
	cr.FieldsPerRecord = -1
	items := []any{}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s is not valid CSV: %v", where, err)
		}
		if headers == nil {
			headers = row
			continue
		}
		if len(row) != len(headers) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%s line %d has %d fields but there are %d headers", where, line, len(row), len(headers))
		}
		item := make(map[string]any, len(row))
		for i, v := range row {
			item[headers[i]] = v
		}
		items = append(items, item)
		if maxItems > 0 && len(items) == maxItems {
			return items, nil
		}
	}
}

// manifestItems reads an S3 Inventory manifest.json: its CSV data files (gzipped or not),
// in the same bucket, have no header row; the manifest's fileSchema names the columns.
func (s *Store) manifestItems(ctx context.Context, bucket, key string, data []byte, cfg ReaderConfig) ([]any, error) {
	var m struct {
		FileFormat string `json:"fileFormat"`
		FileSchema string `json:"fileSchema"`
		Files      []struct {
			Key string `json:"key"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("s3://%s/%s is not an S3 Inventory manifest: %v", bucket, key, err)
	}
	if m.FileFormat != "CSV" {
		return nil, fmt.Errorf("s3://%s/%s: fileFormat %q is not supported (only CSV)", bucket, key, m.FileFormat)
	}
	var headers []string
	for _, h := range strings.Split(m.FileSchema, ",") {
		headers = append(headers, strings.TrimSpace(h))
	}
	items := []any{}
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw, _, err := s.readObject(bucket, f.Key)
		if err != nil {
			return nil, err
		}
		var r io.Reader = bytes.NewReader(raw)
		if strings.HasSuffix(f.Key, ".gz") {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return nil, fmt.Errorf("s3://%s/%s: %v", bucket, f.Key, err)
			}
			r = zr
		}
		left := 0
		if cfg.MaxItems > 0 {
			left = cfg.MaxItems - len(items)
		}
		more, err := csvItems(r, ',', headers, left, "s3://"+bucket+"/"+f.Key)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
		if cfg.MaxItems > 0 && len(items) >= cfg.MaxItems {
			break
		}
	}
	return items, nil
}

func show(v any) string {
	if v == nil {
		return "null (missing)"
	}
	data, _ := json.Marshal(v)
	return string(data)
}
