package aws

import (
	"sort"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// Key order of results. Step Functions does not hand a state a service's response as the
// service wrote it: the AWS SDK for Java reads the response into its model objects and Step
// Functions writes those back as JSON. What that gives, as recorded on AWS (LocalStack's
// parity snapshots of lambda:invoke, sqs:sendMessage, sns:publish, dynamodb:putItem/getItem,
// ecs:runTask and .sync, events:putEvents, states:startExecution, aws-sdk:dynamodb,
// aws-sdk:s3 getObject/putObject, aws-sdk:sfn startExecution):
//
//   - a structure's members in name order (Java's String order), at every depth: ECS's
//     Task, Containers and Overrides, S3's GetObject headers, Lambda's Invoke result;
//   - a map member (keys that are data: a DynamoDB item's attribute names, Batch tags, Glue
//     arguments) as the SDK's map iterates: a java.util.HashMap for the AWS SDK for Java 1
//     that the optimized integrations use, which iterates by the keys' hash buckets
//     (jsonvalue.JavaHashMapOrder); in the order the service sent them for the aws-sdk:
//     integrations (recorded: aws-sdk:dynamodb:getItem answered an Item as {"id", "data"},
//     which is neither sorted nor HashMap order);
//   - SdkHttpMetadata's HttpHeaders sorted case-insensitively, its AllHttpHeaders in
//     HashMap order (task.SDKHTTPMetadata).
//
// Without the services' models Stepflow cannot tell a map from a structure by looking at a
// value, so the members that are maps are listed below per service, by member name.

// mapKind says how the value of a map member is laid out.
type mapKind int

const (
	// mapOfValues: an object whose keys are data; its values are structures or scalars.
	mapOfValues mapKind = iota + 1
	// listOfMaps: a list whose objects are mapOfValues (DynamoDB's Items).
	listOfMaps
	// mapOfListsOfMaps: a mapOfValues whose values are listOfMaps (DynamoDB BatchGetItem's
	// Responses: table name to items).
	mapOfListsOfMaps
	// document: a JSON value the service carries for the user (a .sync:2 child execution's
	// Input and Output), in its own order.
	document
)

// mapMembers are, by service (its canonical name), the result members (PascalCase, as a
// state sees them) whose values are maps. A kind applies only where the value has the kind's
// shape: DynamoDB's GlobalSecondaryIndexes is a map in ConsumedCapacity and a list of
// structures in a TableDescription.
var mapMembers = map[string]map[string]mapKind{
	"dynamodb": {
		"Item": mapOfValues, "Attributes": mapOfValues, "Key": mapOfValues, "M": mapOfValues,
		"LastEvaluatedKey": mapOfValues, "ItemCollectionKey": mapOfValues, "ExclusiveStartKey": mapOfValues,
		"ExpressionAttributeNames": mapOfValues, "ExpressionAttributeValues": mapOfValues,
		"GlobalSecondaryIndexes": mapOfValues, "LocalSecondaryIndexes": mapOfValues,
		"UnprocessedItems": mapOfValues, "UnprocessedKeys": mapOfValues,
		"Items": listOfMaps, "Keys": listOfMaps, "Responses": mapOfListsOfMaps,
	},
	"sqs":    {"Attributes": mapOfValues, "MessageAttributes": mapOfValues, "MessageSystemAttributes": mapOfValues, "Tags": mapOfValues},
	"batch":  {"Tags": mapOfValues, "Parameters": mapOfValues, "Options": mapOfValues},
	"ecs":    {"DockerLabels": mapOfValues, "Options": mapOfValues},
	"states": {"Input": document, "Output": document},
	"glue": {"Arguments": mapOfValues, "NonOverridableArguments": mapOfValues, "DefaultArguments": mapOfValues,
		"Parameters": mapOfValues, "Tags": mapOfValues},
	"kms":          {"EncryptionContext": mapOfValues},
	"sagemaker":    {"Environment": mapOfValues, "HyperParameters": mapOfValues, "StaticHyperParameters": mapOfValues},
	"codepipeline": {"Configuration": mapOfValues},
	"emr":          {"Properties": mapOfValues},
}

// defaultMapMembers are map members of every service: tags given as an object are a map in
// every AWS model that has them so.
var defaultMapMembers = map[string]mapKind{"Tags": mapOfValues}

// serviceMapMembers are the map members of svc's results, defaultMapMembers included.
func serviceMapMembers(svc *service) map[string]mapKind {
	return mapMembersByService[svc.name()]
}

var mapMembersByService = func() map[string]map[string]mapKind {
	out := map[string]map[string]mapKind{}
	for _, s := range services {
		members := map[string]mapKind{}
		for k, v := range defaultMapMembers {
			members[k] = v
		}
		for k, v := range mapMembers[s.name()] {
			members[k] = v
		}
		out[s.name()] = members
	}
	return out
}()

// resultOrder puts a result of svc in the key order Step Functions gives it: structures'
// members sorted, maps' keys in HashMap order (hashMaps: the optimized integrations) or as
// the service sent them (the aws-sdk: integrations). Objects may be *jsonvalue.Object (a
// decoded response keeps the service's order) or map[string]any.
func resultOrder(v any, svc *service, hashMaps bool) any {
	o := orderer{members: serviceMapMembers(svc), hashMaps: hashMaps}
	return o.structure(v)
}

// causeText is the JSON text of what an optimized integration puts in a failure's cause (a
// job's description, a response), in the order its result would have.
func (c *caller) causeText(v any) string {
	return jsonvalue.MarshalString(resultOrder(v, c.svc, true))
}

type orderer struct {
	members  map[string]mapKind
	hashMaps bool
}

// structure orders a value that is a structure (or a list of them, or a scalar).
func (o orderer) structure(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = o.structure(e)
		}
		return out
	case *jsonvalue.Object, map[string]any:
		keys, vals := objectEntries(x)
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return javaStringLess(keys[order[a]], keys[order[b]]) })
		out := jsonvalue.NewObject(len(keys))
		for _, i := range order {
			if keys[i] == "SdkHttpMetadata" {
				if _, built := vals[i].(*jsonvalue.Object); built {
					out.Set(keys[i], vals[i]) // built in AWS's order by withSDKMetadata
					continue
				}
			}
			out.Set(keys[i], o.member(o.members[keys[i]], vals[i]))
		}
		return out
	}
	return v
}

// member orders a member's value by its kind (0: a structure).
func (o orderer) member(kind mapKind, v any) any {
	switch kind {
	case mapOfValues:
		if jsonvalue.IsObject(v) {
			return o.mapOf(v, o.structure)
		}
	case listOfMaps:
		if list, ok := v.([]any); ok {
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = o.member(mapOfValues, e)
			}
			return out
		}
	case mapOfListsOfMaps:
		if jsonvalue.IsObject(v) {
			return o.mapOf(v, func(e any) any { return o.member(listOfMaps, e) })
		}
	case document:
		return jsonvalue.FromPlain(v)
	}
	return o.structure(v)
}

// mapOf orders a map's keys as the SDK's map iterates them, and its values with value.
func (o orderer) mapOf(v any, value func(any) any) *jsonvalue.Object {
	keys, vals := objectEntries(v)
	out := jsonvalue.NewObject(len(keys))
	if o.hashMaps {
		for _, i := range jsonvalue.JavaHashMapOrder(keys) {
			out.Set(keys[i], value(vals[i]))
		}
		return out
	}
	for i, k := range keys {
		out.Set(k, value(vals[i]))
	}
	return out
}

// objectEntries lists an object's keys and values: in order for an Object, sorted for a Go
// map (which has no order).
func objectEntries(v any) ([]string, []any) {
	obj, _ := jsonvalue.AsObject(v)
	keys := make([]string, obj.Len())
	vals := make([]any, obj.Len())
	for i := range keys {
		keys[i], vals[i] = obj.KeyAt(i), obj.ValueAt(i)
	}
	return keys, vals
}

// javaStringLess is java.lang.String.compareTo's order (by UTF-16 code units).
func javaStringLess(a, b string) bool { return jsonvalue.CompareUTF16(a, b) < 0 }

// decodeResult reads a JSON response of svc: its structures as Go maps, which the
// integrations' code reads and rewrites, and its map members (mapMembers, keys as the wire
// spells them, camelCase for some services) as Objects in the order the service sent their
// keys, which resultOrder needs. ok is false when the response is not a JSON object.
func decodeResult(body []byte, svc *service) (m map[string]any, ok bool, err error) {
	v, err := jsonvalue.Decode(body)
	if err != nil {
		return nil, false, err
	}
	m, ok = keepMaps(v, serviceMapMembers(svc), 0).(map[string]any)
	return m, ok, nil
}

// keepMaps turns the structures of a decoded value into Go maps and keeps the map members
// (by kind) as Objects, their values' structures turned into Go maps too.
func keepMaps(v any, members map[string]mapKind, kind mapKind) any {
	switch x := v.(type) {
	case []any:
		elem := mapKind(0)
		if kind == listOfMaps {
			elem = mapOfValues
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = keepMaps(e, members, elem)
		}
		return out
	case *jsonvalue.Object:
		switch kind {
		case mapOfValues, mapOfListsOfMaps:
			out := jsonvalue.NewObject(x.Len())
			valueKind := mapKind(0)
			if kind == mapOfListsOfMaps {
				valueKind = listOfMaps
			}
			for i := 0; i < x.Len(); i++ {
				out.Set(x.KeyAt(i), keepMaps(x.ValueAt(i), members, valueKind))
			}
			return out
		}
		out := make(map[string]any, x.Len())
		for i := 0; i < x.Len(); i++ {
			k := x.KeyAt(i)
			out[k] = keepMaps(x.ValueAt(i), members, members[upperFirst(k)])
		}
		return out
	}
	return v
}

// field is an object's member, whichever form the object has.
func field(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		return x[key]
	case *jsonvalue.Object:
		e, _ := x.Get(key)
		return e
	}
	return nil
}
