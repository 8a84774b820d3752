package aws

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// A state's parameters and results are JSON values; the AWS SDK for Go v2 takes and gives
// Go structs generated from the service's model, whose field names are the model's member
// names. These functions carry values across, by the rules AWS's aws-sdk integrations
// follow: members PascalCase, timestamps as ISO-8601 text, blobs as base64 text (as the AWS
// JSON protocols carry them), and a streaming payload (S3's Body) as the text itself.

var (
	timeType         = reflect.TypeFor[time.Time]()
	byteSliceType    = reflect.TypeFor[[]byte]()
	stringReaderType = reflect.TypeFor[*strings.Reader]()
	readerType       = reflect.TypeFor[io.Reader]()
	metadataType     = reflect.TypeFor[middleware.Metadata]()
)

// decodeSDKValue makes a value of type t from the JSON value v; path names the member for
// errors ("Tagging.TagSet[0].Key").
func decodeSDKValue(v any, t reflect.Type, path string) (reflect.Value, error) {
	if t == timeType {
		ts, err := decodeTime(v)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%s: %v", memberPath(path), err)
		}
		return reflect.ValueOf(ts), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v == nil {
			return reflect.Zero(t), nil
		}
		e, err := decodeSDKValue(v, t.Elem(), path)
		if err != nil {
			return reflect.Value{}, err
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, nil
	case reflect.Interface:
		if t.NumMethod() > 0 && stringReaderType.Implements(t) {
			// A streaming payload: the text itself; any other JSON value as its JSON text.
			s, ok := v.(string)
			if !ok {
				s = jsonvalue.MarshalString(v)
			}
			return reflect.ValueOf(strings.NewReader(s)).Convert(t), nil
		}
		return reflect.Value{}, fmt.Errorf("%s: Stepflow cannot fill a member of type %s (a union or document)", memberPath(path), t)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return reflect.Value{}, wrongType(path, "an object", v)
		}
		out := reflect.New(t).Elem()
		for _, k := range sortedKeys(m) {
			f, ok := t.FieldByName(k)
			if !ok || !f.IsExported() || f.Anonymous || f.Type == metadataType {
				return reflect.Value{}, fmt.Errorf("%s: no such member (members are PascalCase: %s)", memberPath(joinPath(path, k)), strings.Join(memberNames(t), ", "))
			}
			fv, err := decodeSDKValue(m[k], f.Type, joinPath(path, k))
			if err != nil {
				return reflect.Value{}, err
			}
			out.FieldByIndex(f.Index).Set(fv)
		}
		return out, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				return reflect.Value{}, wrongType(path, "a base64 string", v)
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("%s: not base64: %v", memberPath(path), err)
			}
			return reflect.ValueOf(b).Convert(t), nil
		}
		list, ok := v.([]any)
		if !ok {
			return reflect.Value{}, wrongType(path, "an array", v)
		}
		out := reflect.MakeSlice(t, len(list), len(list))
		for i, e := range list {
			ev, err := decodeSDKValue(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return reflect.Value{}, err
			}
			out.Index(i).Set(ev)
		}
		return out, nil
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return reflect.Value{}, wrongType(path, "an object", v)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range sortedKeys(m) {
			ev, err := decodeSDKValue(m[k], t.Elem(), joinPath(path, k))
			if err != nil {
				return reflect.Value{}, err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		return out, nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return reflect.Value{}, wrongType(path, "a string", v)
		}
		return reflect.ValueOf(s).Convert(t), nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return reflect.Value{}, wrongType(path, "a boolean", v)
		}
		return reflect.ValueOf(b).Convert(t), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// an integer beyond 2^53 (a long member) arrives exactly, as a json.Number
		n, ok := jsonvalue.BigInt(v)
		if !ok {
			return reflect.Value{}, wrongType(path, "an integer", v)
		}
		out := reflect.New(t).Elem()
		if !n.IsInt64() || out.OverflowInt(n.Int64()) {
			return reflect.Value{}, fmt.Errorf("%s: %s is out of range", memberPath(path), n)
		}
		out.SetInt(n.Int64())
		return out, nil
	case reflect.Float32, reflect.Float64:
		f, ok := jsonvalue.Float(v)
		if !ok {
			return reflect.Value{}, wrongType(path, "a number", v)
		}
		return reflect.ValueOf(f).Convert(t), nil
	}
	return reflect.Value{}, fmt.Errorf("%s: Stepflow cannot fill a member of type %s", memberPath(path), t)
}

// decodeTime reads a timestamp parameter: ISO-8601 text, or epoch seconds.
func decodeTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("want an ISO-8601 timestamp such as 2024-01-02T15:04:05Z, got %q", v)
		}
		return t, nil
	case float64, json.Number:
		f, _ := jsonvalue.Float(v)
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("want an ISO-8601 timestamp, got %s", jsonKind(v))
}

func joinPath(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

func memberPath(path string) string {
	if path == "" {
		return "the parameters"
	}
	return path
}

func wrongType(path, want string, got any) error {
	return fmt.Errorf("%s: want %s, got %s", memberPath(path), want, jsonKind(got))
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "the number " + strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return "the number " + string(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// memberNames lists the members a struct takes, for the error naming one it does not.
func memberNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && !f.Anonymous && f.Type != metadataType {
			names = append(names, f.Name)
		}
	}
	return names
}

// encodeSDKResult turns an operation's output (*XOutput) into the state's result.
func encodeSDKResult(v reflect.Value) (any, error) {
	out, _, err := encodeSDKValue(v)
	return out, err
}

// encodeSDKValue turns v into a JSON value; present is false for what the service did not
// send (nil pointers, slices and maps, empty enums), which the result leaves out.
func encodeSDKValue(v reflect.Value) (out any, present bool, err error) {
	if v.Type() == timeType {
		return isoTime(v.Interface().(time.Time)), true, nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, false, nil
		}
		return encodeSDKValue(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return nil, false, nil
		}
		if r, ok := v.Interface().(io.Reader); ok {
			// A streaming payload (S3's Body): read whole, within the response bound.
			if c, ok := r.(io.Closer); ok {
				defer c.Close()
			}
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, false, err
			}
			return string(b), true, nil
		}
		return encodeUnion(v.Elem())
	case reflect.Struct:
		// Members in name order, as Step Functions writes the SDK's model objects; a
		// streaming payload last (recorded on AWS: aws-sdk:s3:getObject gives AcceptRanges
		// ... ServerSideEncryption, then Body).
		t := v.Type()
		var names []string
		var values []any
		stream := -1
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Anonymous || f.Type == metadataType {
				continue
			}
			fv, ok, err := encodeSDKValue(v.Field(i))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
			if f.Type.Kind() == reflect.Interface && f.Type.Implements(readerType) {
				stream = len(names)
			}
			names = append(names, f.Name)
			values = append(values, fv)
		}
		order := make([]int, len(names))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool {
			if (order[a] == stream) != (order[b] == stream) {
				return order[b] == stream
			}
			return javaStringLess(names[order[a]], names[order[b]])
		})
		obj := jsonvalue.NewObject(len(names))
		for _, i := range order {
			obj.Set(names[i], values[i])
		}
		return obj, true, nil
	case reflect.Slice:
		if v.IsNil() {
			return nil, false, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Convert(byteSliceType).Interface().([]byte)), true, nil
		}
		list := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			e, ok, err := encodeSDKValue(v.Index(i))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				e = nil
			}
			list = append(list, e)
		}
		return list, true, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, false, nil
		}
		// In the order of the java.util.HashMap the AWS SDK for Java reads a map into; the
		// Go SDK does not keep the order the keys came in, which decides only between keys
		// of one bucket, so they are put in sorted.
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		obj := jsonvalue.NewObject(len(keys))
		for _, i := range jsonvalue.JavaHashMapOrder(keys) {
			e, ok, err := encodeSDKValue(v.MapIndex(reflect.ValueOf(keys[i]).Convert(v.Type().Key())))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				e = nil
			}
			obj.Set(keys[i], e)
		}
		return obj, true, nil
	case reflect.String:
		// Optional strings are pointers; a plain string is an enum, empty when not sent.
		if v.Len() == 0 {
			return nil, false, nil
		}
		return v.String(), true, nil
	case reflect.Bool:
		return v.Bool(), true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), true, nil
	case reflect.Float32, reflect.Float64:
		return v.Float(), true, nil
	}
	return nil, false, fmt.Errorf("Stepflow cannot render a result member of type %s", v.Type())
}

// encodeUnion renders a union's member, which the SDK gives as a type named
// UNIONMemberNAME with a Value field, as {"NAME": value}.
func encodeUnion(v reflect.Value) (any, bool, error) {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false, nil
		}
		v, t = v.Elem(), t.Elem()
	}
	_, member, ok := strings.Cut(t.Name(), "Member")
	if t.Kind() != reflect.Struct || !ok {
		return nil, false, nil // a document or unknown member: not rendered
	}
	value := v.FieldByName("Value")
	if !value.IsValid() {
		return nil, false, nil
	}
	e, present, err := encodeSDKValue(value)
	if err != nil || !present {
		return nil, present, err
	}
	return jsonvalue.ObjectOf(member, e), true, nil
}

// isoTime prints a timestamp as the other aws-sdk: results have them (isoInstant).
func isoTime(t time.Time) string {
	return isoInstant(float64(t.UnixMilli()) / 1000)
}
